import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** S3's limit for a pre-signed URL (SigV4): 7 days. */
export const MAX_LINK_SECONDS = 7 * 86_400;

/**
 * The review reports in the ledger's bucket (`reports/…`, deleted by the bucket's lifecycle rule):
 * stored as self-contained HTML and shared through pre-signed GET links, so the bucket stays private.
 * A link signed with a Lambda role's temporary credentials stops working when those credentials
 * expire (hours), whatever its own expiry says; docs/deploy.md says how to open an older report.
 */
export class S3ReportStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(options: { client: S3Client; bucket: string }) {
    this.#client = options.client;
    this.#bucket = options.bucket;
  }

  async putHtml(key: string, html: string): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: html,
        ContentType: 'text/html; charset=utf-8',
        CacheControl: 'private, no-store',
      }),
    );
  }

  /** A GET link to `key` valid for `seconds` (at most 7 days); signed locally, no call to S3. */
  link(key: string, seconds: number): Promise<string> {
    return getSignedUrl(this.#client, new GetObjectCommand({ Bucket: this.#bucket, Key: key }), {
      expiresIn: Math.min(MAX_LINK_SECONDS, Math.max(60, Math.floor(seconds))),
    });
  }
}
