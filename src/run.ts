/**
 * The one entry the CLI may use besides the control client: `rtp-offload run` starts the
 * agent in this process. Loaded lazily, so the other commands never load the agent.
 */
export async function run(configPath: string): Promise<void> {
  const { runAgent } = await import('./agent.js');
  await runAgent(configPath);
}
