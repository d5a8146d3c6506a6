/**
 * Typings for `asterisk-manager` 0.2.0 (lib/ami.js), written from its source because the
 * DefinitelyTyped ones declare a `login(user, pass, events, cb)` that does not exist and omit
 * `'managerevent'`. Only what the AMI source uses is declared, with the library's quirks
 * noted where a caller would trip on them.
 */
declare module 'asterisk-manager' {
  namespace Manager {
    /**
     * One parsed message (ManagerReader): keys trimmed and lower-cased, each line split at its
     * first `": "`. A repeated key becomes an array; `variable` and `chanvariable` lines become
     * `{ name: value }` objects (split at the first `=`), so a Getvar reply's `Variable:
     * CHANNEL(rtp,dest)` arrives as `{ 'CHANNEL(rtp,dest)': '' }`.
     */
    interface Message {
      [key: string]: string | string[] | Record<string, string> | undefined;
    }

    /**
     * Fields of an action (MakeManagerAction): keys are lower-cased then capitalised
     * (`BridgeUniqueid` is sent as `Bridgeuniqueid`), arrays are comma-joined, objects become
     * repeated `Key: name=value` lines, and the lines are sorted.
     */
    interface Action {
      action: string;
      actionid?: string;
      [key: string]: string | number | readonly string[] | Readonly<Record<string, string>> | undefined;
    }

    /**
     * Called once, with the first message carrying the action's ActionID: `err` is that
     * message when its `response` is `Error`. A list action's callback sees only the
     * "will follow" acknowledgement; its items arrive as `'managerevent'`s.
     */
    type ActionCallback = (err: Message | undefined, res: Message) => void;

    interface Options {
      port: number | undefined;
      host: string;
      username: string;
      password: string;
      events: boolean;
    }

    interface Instance {
      readonly options: Options;
      /**
       * Opens the TCP connection; `callback` runs on connect only, never on failure. `port`
       * goes to `net.createConnection(port, host)` as is, so net.connect options work too
       * (the connection passes `onread` to put its read guard in front of the parser).
       */
      connect(port: number | import('node:net').NetConnectOpts, host: string, callback?: () => void): void;
      /**
       * Sends `Action: login` with the stored credentials and `Event: on|off` (a header
       * Asterisk does not read: it reads `Events`). On success the actions held since
       * construction are sent. `callback(err)` gets the Error reply on failure.
       */
      login(callback?: (err?: Message) => void): void;
      /**
       * Sends an action and returns its ActionID (the given `actionid`, else `Date.now()`).
       * Before login completes the action is held, not sent. No timeout of any kind.
       */
      action(action: Action, callback?: ActionCallback): string;
      /** Ends the socket if open and forgets it; removes the keepConnected listener. */
      disconnect(callback?: () => void): void;
      isConnected(): boolean;
      /**
       * Re-connects 10 s after every close (+10 s per attempt, up to 60 s). Arms itself only
       * if the socket is not open yet, so it must be called right after construction.
       */
      keepConnected(): void;

      on(event: 'managerevent', listener: (event: Message) => void): this;
      on(event: 'response', listener: (response: Message) => void): this;
      on(event: 'connect' | 'end', listener: () => void): this;
      on(event: 'close', listener: (hadError: boolean) => void): this;
      on(event: 'error', listener: (error: Error) => void): this;
      /** Lower-cased event names (`'bridgeenter'`) and ActionIDs are events too. */
      on(event: string, listener: (...args: unknown[]) => void): this;
      once(event: string, listener: (...args: unknown[]) => void): this;
      removeListener(event: string, listener: (...args: never[]) => void): this;
      removeAllListeners(event?: string): this;
      listeners(event: string): ((...args: unknown[]) => void)[];
    }

    interface Constructor {
      /** Given a port, connects and logs in at once (with `Event: on|off`, see `login`). */
      new (port?: number, host?: string, username?: string, password?: string, events?: boolean): Instance;
      (port?: number, host?: string, username?: string, password?: string, events?: boolean): Instance;
    }
  }

  const Manager: Manager.Constructor;
  export = Manager;
}
