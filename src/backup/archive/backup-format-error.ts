/** A file that is not a valid Tomo backup (damaged, altered, truncated or of another kind). */
export class BackupFormatError extends Error {}
