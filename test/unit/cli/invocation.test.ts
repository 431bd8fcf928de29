/**
 * @fileoverview Printed next steps name fastml the way the user ran it (src/cli/invocation.ts).
 */

import { describe, expect, it } from 'vitest';
import { invocation } from '../../../src/cli/invocation.js';

describe('invocation', () => {
  const cwd = '/home/u/work';
  it('npx / npm exec, and bin links in node_modules/.bin, give npx fastml', () => {
    expect(invocation({ npm_command: 'exec', npm_config_user_agent: 'npm/10.8.2 node/v20.18.0 linux x64' }, '/home/u/work/node_modules/.bin/fastml', cwd)).toBe('npx fastml');
    expect(invocation({ npm_command: 'exec' }, '/home/u/.npm/_npx/1234/node_modules/fastml/bin/fastml.js', cwd)).toBe('npx fastml');
    expect(invocation({ npm_command: 'run-script' }, '/home/u/work/node_modules/.bin/fastml', cwd)).toBe('npx fastml');
    expect(invocation({ npm_command: 'exec', npm_config_user_agent: 'pnpm/9.1.0 npm/? node/v20' }, '/x/node_modules/.bin/fastml', cwd)).toBe('pnpm exec fastml');
    expect(invocation({ npm_config_user_agent: 'yarn/1.22.19 npm/? node/v20' }, '/x/node_modules/.bin/fastml', cwd)).toBe('yarn fastml');
  });
  it('a global install or npm link gives fastml', () => {
    expect(invocation({}, '/usr/local/bin/fastml', cwd)).toBe('fastml');
    expect(invocation({}, 'C:\\Users\\u\\AppData\\Roaming\\npm\\fastml.cmd', cwd)).toBe('fastml');
    expect(invocation({}, undefined, cwd)).toBe('fastml');
  });
  it('node bin/fastml.js gives the same path back', () => {
    expect(invocation({}, '/home/u/work/fastml/bin/fastml.js', cwd)).toBe('node fastml/bin/fastml.js');
    expect(invocation({}, '/opt/fastml/bin/fastml.js', cwd)).toBe('node /opt/fastml/bin/fastml.js');
    expect(invocation({}, '/home/u/work/my tools/bin/fastml.js', cwd)).toBe('node "my tools/bin/fastml.js"');
  });
});
