/** The tsup settings every published @gradkit package builds with (see tsup.mjs). */
export declare const library: {
  entry: string[];
  format: Array<'esm' | 'cjs'>;
  dts: boolean;
  clean: boolean;
  sourcemap: boolean;
  target: 'es2020';
  splitting: boolean;
};
