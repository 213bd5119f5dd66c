import { z } from 'zod';

/** A regular expression written by an admin in a mapping file; checked when the file loads. */
export const RegexSchema = z.string().superRefine((s, ctx) => {
  try {
    new RegExp(s, 'iu');
  } catch (e) {
    // V8 says "Invalid regular expression: /x(/iu: Unterminated group": keep the reason only.
    const reason = (e as Error).message.split(': ').at(-1);
    ctx.addIssue({
      code: 'custom',
      message: `not a valid regular expression (${reason})`,
      params: { hint: 'escape ( ) [ ] . * + ? with a backslash, and close every group you open' },
    });
  }
});
