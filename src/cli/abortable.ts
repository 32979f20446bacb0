import { addAbortSignal, Readable } from 'node:stream';

/**
 * Ends reading `stream` when `signal` aborts (Ctrl-C, SIGTERM): the stream is destroyed with
 * an AbortError, so a command waiting on a quiet pipe stops instead of outliving the signal.
 */
export function abortable<S extends NodeJS.ReadableStream>(stream: S, signal: AbortSignal): S {
  if (stream instanceof Readable) addAbortSignal(signal, stream);
  return stream;
}
