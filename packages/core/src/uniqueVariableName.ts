let next = 0;

/**
 * `<prefix>_<k>`, a fresh k every call: tfjs variable names are global (a second variable of the same name throws),
 * so every @gradkit package names its variables through this one counter, and two layers, cells or modules given
 * the same name stay apart.
 */
export function uniqueVariableName(prefix: string): string {
  return `${prefix}_${next++}`;
}
