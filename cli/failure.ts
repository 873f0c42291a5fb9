// How a command's failure reads on stderr: one line that names the command and what failed (the
// message says what to do where it can), then the stack only when the user asked for debug logs.
//   describeFailure('implant-scan sim', new Error('cannot start socat (apt-get install socat): …'), argv)
//   → "implant-scan sim: cannot start socat (apt-get install socat): spawn socat ENOENT\n"

/** True when argv asks for debug or trace logs (--log-level debug, --log-level=trace). */
export function wantsDebug(argv: readonly string[]): boolean {
  return argv.some((a, i) => /^--log-level=(debug|trace)$/.test(a) || (a === '--log-level' && /^(debug|trace)$/.test(argv[i + 1] ?? '')));
}

export function describeFailure(who: string, error: unknown, argv: readonly string[]): string {
  const e = error instanceof Error ? error : new Error(String(error));
  // A message of several lines (a child's log, a minified source line) is cut to its first line.
  const [first = e.name] = e.message.split('\n').filter((l) => l.trim().length > 0);
  const what = first.length > 300 ? `${first.slice(0, 300)}…` : first;
  if (wantsDebug(argv)) return `${who}: ${what}\n${e.stack ?? ''}\n`;
  return `${who}: ${what}\n(--log-level debug shows where it failed)\n`;
}
