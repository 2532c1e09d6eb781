// The serialized 1.0.0 AgentStates the existing system writes (copied into examples/states).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyState } from '../../lib/index.js';

export const statesDir = fileURLToPath(new URL('../../examples/states/', import.meta.url));

/** Each fixture by file name, freshly parsed on every call. */
export const agentStateFixtures = (): [string, AnyState][] =>
  readdirSync(statesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(statesDir + f, 'utf8')) as AnyState]);

/** A logger that records what it is told. */
export const recordingLogger = () => {
  const calls: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void calls.push({ level, message });
  return {
    calls,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
};
