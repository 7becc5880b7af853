import { fileURLToPath } from 'node:url';

/**
 * Node arguments that run a script beside the calling module, whether the tests run from the TypeScript sources
 * (under tsx during development) or from the compiled `dist/` (the real suite). `relative` has no extension.
 */
export function nodeArgsFor(callerUrl: string, relative: string): string[] {
  const fromSource = callerUrl.endsWith('.ts');
  const script = fileURLToPath(new URL(`${relative}${fromSource ? '.ts' : '.js'}`, callerUrl));
  return fromSource ? ['--import', 'tsx', script] : [script];
}
