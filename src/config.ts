// Where Guix keeps its keys and ACL, resolved the way Guix does.
import path from 'node:path';

const DEFAULT_CONFIG_DIR = '/etc/guix';

/** `--config-dir`, else $GUIX_CONFIGURATION_DIRECTORY, else /etc/guix. */
export function configDir(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? (env.GUIX_CONFIGURATION_DIRECTORY || DEFAULT_CONFIG_DIR);
}

export interface ConfigPaths {
  dir: string;
  acl: string;
  publicKey: string;
  secretKey: string;
  /** User-given labels for ACL keys; beside the ACL, never inside it, so Guix still reads the ACL. */
  labels: string;
}

export function configPaths(dir: string): ConfigPaths {
  return {
    dir,
    acl: path.join(dir, 'acl'),
    publicKey: path.join(dir, 'signing-key.pub'),
    secretKey: path.join(dir, 'signing-key.sec'),
    labels: path.join(dir, 'acl.labels'),
  };
}
