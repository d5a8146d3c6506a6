/** The doctor's entry for the CLI (loaded lazily): checks, their text form and the exit code. */
export { doctor, diagnose, type DoctorOptions } from './doctor.js';
export { doctorExitCode, formatResults, type CheckResult } from './check.js';
