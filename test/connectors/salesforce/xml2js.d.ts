/** The part of xml2js (jsforce's XML parser) the metadata tests use to check files are well-formed XML. */
declare module 'xml2js' {
  export function parseStringPromise(xml: string, options?: { strict?: boolean }): Promise<unknown>;
}
