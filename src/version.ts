// The version printed by `--version`; kept in step with package.json by a test.
export const VERSION = '0.1.0';

/** What `keytool --version` prints. */
export const VERSION_LINE = `keytool (guix-keytool) ${VERSION}\n`;
