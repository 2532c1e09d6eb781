/**
 * SVG diagrams rendered in-process from DOT with Graphviz compiled to WebAssembly: nothing to
 * install. The WebAssembly module is imported on the first call, never on import.
 *
 * @since 0.1.0
 */
import * as E from '#fp/Either.js';
import { describeCause } from '../core/describe-cause.js';

interface DotRenderer {
  dot(source: string, format: 'svg'): string;
}

let graphviz: Promise<DotRenderer> | undefined;

const loadGraphviz = async (): Promise<DotRenderer> => {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  return Graphviz.load();
};

/**
 * Renders DOT to SVG with Graphviz compiled to WebAssembly (loaded once per process, on the
 * first call). A DOT syntax error or a failure to load Graphviz is a `Left`.
 *
 * @example
 * const svg = await renderSvg(toDot(m)) // Right('<?xml …><svg …>…</svg>')
 * @since 0.1.0
 */
export const renderSvg = async (dot: string): Promise<E.Either<Error, string>> => {
  try {
    graphviz ??= loadGraphviz().catch((cause: unknown) => {
      graphviz = undefined;
      throw cause;
    });
    return E.right((await graphviz).dot(dot, 'svg'));
  } catch (cause) {
    return E.left(
      new Error(`Could not render the diagram as SVG: ${describeCause(cause)}`, { cause }),
    );
  }
};
