import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/**
 * JSON text as a DynamoDB binary attribute, Brotli-compressed: DynamoDB bills every put, update and
 * delete by the item's size in 1 KB steps, and the JSON the state table keeps (episodes, staged ledger
 * rows) shrinks to a third or less (docs/cost.md).
 */
export function compressJson(json: string): Uint8Array {
  return brotliCompressSync(json, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_SIZE_HINT]: json.length,
    },
  });
}

export function decompressJson(packed: Uint8Array): string {
  return brotliDecompressSync(packed).toString('utf8');
}
