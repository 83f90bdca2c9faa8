import { spamAssassin, type Email } from './spam';
import { mobyDick, normalizeText, readText } from './text';

/** What sequence-bench experiments read, loaded on first use (a run that needs no text reads none). */
export interface SequenceData {
  /** The normalized training text: Moby Dick, or `--text FILE`. */
  text(): string;
  /** The SpamAssassin emails, headers stripped (at most `perGroupLimit` per group). */
  emails(perGroupLimit?: number): Email[];
}

export function sequenceData(textFile: string | undefined): SequenceData {
  let text: string | undefined;
  let emails: Email[] | undefined;
  return {
    text: () => (text ??= normalizeText(textFile ? readText(textFile) : mobyDick())),
    emails: (perGroupLimit = Infinity) => (emails ??= spamAssassin(perGroupLimit)),
  };
}
