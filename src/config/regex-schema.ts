import { z } from 'zod';

/** A regular expression written by an admin in a mapping file; checked when the file loads. */
export const RegexSchema = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'iu');
      return true;
    } catch {
      return false;
    }
  },
  { error: 'not a valid regular expression', params: { hint: 'escape ( ) [ ] . * + ? with a backslash' } },
);
