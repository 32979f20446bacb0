import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultServiceConfigPath } from '../config/index.ts';
import { isBootmedicError } from '../core/index.ts';
import { healAllowed, loadServiceConfig, parseListen, parseServiceConfig } from './config.ts';
import { loadVmSources } from './vm-sources.ts';

const dir = mkdtempSync(join(tmpdir(), 'bm-svc-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, 'home');
const parse = (raw: unknown) => parseServiceConfig(raw, { where: 'cfg.yaml', baseDir: dir, home });

/** Asserts that `fn` throws the catalogued `code` with a message naming `names`. */
function throwsCode(fn: () => unknown, code: string, names: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBootmedicError(e), `not a BootmedicError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.exitClass, 'input');
    assert.match(e.message, names);
    return true;
  });
}

test('the embedded defaults: loopback listen, heal on, tokens in the home, shut down on stop', () => {
  const c = loadServiceConfig({ home });
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 7878 });
  assert.equal(c.tokens, join(home, 'tokens.json'));
  assert.equal(c.externalUrl, 'http://127.0.0.1:7878');
  assert.equal(c.onStop, 'shutdown');
  assert.deepEqual(c.alertmanager, { urls: [], resendSeconds: 60 });
  assert.equal(c.source, undefined);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.vms) && Object.isFrozen(c.vms.files), 'the config is frozen all the way down');
  assert.equal(healAllowed(c, 'any'), true);
});

test('a full config: relative paths from the config folder, heal only the listed VMs, URLs kept', () => {
  writeFileSync(join(dir, 'cert.pem'), 'x');
  writeFileSync(join(dir, 'key.pem'), 'x');
  const c = parse({
    listen: '0.0.0.0:8443', tls: { cert: 'cert.pem', key: 'key.pem' }, tokens: 'tok.json', vms: { dir: 'vms', files: ['/abs/a.yaml'] },
    libvirt: { uris: ['qemu:///system'] }, heal: { vms: ['web1'] }, onStop: 'leave-running', alertmanager: { urls: ['http://127.0.0.1:9093/'], resendSeconds: 30 },
    externalUrl: 'https://bm.example.org/', drill: { maxScenarios: 5 }, resources: { admission: { onNoFit: 'queue', queueTimeoutSeconds: 120 }, vmNice: 5 },
  });
  assert.deepEqual(c.resources, { admission: { onNoFit: 'queue', queueTimeoutSeconds: 120 }, vmNice: 5 });
  assert.deepEqual(parse({}).resources, { admission: {} }, 'unset: the environment, then the defaults, decide');
  assert.deepEqual(c.tls, { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') });
  assert.equal(c.vms.dir, join(dir, 'vms'));
  assert.equal(c.tokens, join(dir, 'tok.json'));
  assert.deepEqual(c.alertmanager.urls, ['http://127.0.0.1:9093']);
  assert.equal(c.externalUrl, 'https://bm.example.org');
  assert.equal(healAllowed(c, 'web1'), true);
  assert.equal(healAllowed(c, 'web2'), false);
  assert.equal(healAllowed(parse({ heal: { enabled: false, vms: ['web1'] } }), 'web1'), false);
});

test('every bad field is one error with its code that names the field', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ listen: 'localhost' }, 'SERVICE_CONFIG_BAD_LISTEN', /listen: 'localhost'/],
    [{ listen: 'example.org:80' }, 'SERVICE_CONFIG_BAD_LISTEN', /listen/],
    [{ listen: '127.0.0.1:70000' }, 'SERVICE_CONFIG_BAD_LISTEN', /65535/],
    [{ listen: 7878 }, 'SERVICE_CONFIG_BAD_LISTEN', /listen:/],
    [{ listen: '0.0.0.0:7878' }, 'SERVICE_CONFIG_NEEDS_TLS', /not a loopback address.*allowPlainHttp/],
    [{ tls: { cert: 'missing.pem', key: 'missing.pem' } }, 'SERVICE_CONFIG_TLS_FILE', /tls\.cert: .*missing\.pem/],
    [{ tls: { cert: 'c.pem' } }, 'SERVICE_CONFIG_INVALID', /tls\.key/],
    [{ allowPlainHttp: 'yes' }, 'SERVICE_CONFIG_INVALID', /allowPlainHttp/],
    [{ tokens: '' }, 'SERVICE_CONFIG_INVALID', /tokens/],
    [{ vms: { files: 'a.yaml' } }, 'SERVICE_CONFIG_VM_SOURCE', /vms\.files/],
    [{ vms: { folder: 'x' } }, 'SERVICE_CONFIG_VM_SOURCE', /unknown field 'folder'/],
    [{ vms: { files: ['a.yaml', './a.yaml'] } }, 'SERVICE_CONFIG_VM_SOURCE', /listed twice/],
    [{ libvirt: { uris: [''] } }, 'SERVICE_CONFIG_INVALID', /libvirt\.uris\[0\]/],
    [{ libvirt: { uris: ['qemu:///system', 'system'] } }, 'SERVICE_CONFIG_INVALID', /libvirt\.uris\[1\]: a libvirt URI like 'qemu:\/\/\/system'/],
    [{ heal: { vms: ['Web 1'] } }, 'SERVICE_CONFIG_INVALID', /heal\.vms\[0\]: a VM name/],
    [{ heal: { enabled: 1 } }, 'SERVICE_CONFIG_INVALID', /heal\.enabled/],
    [{ onStop: 'kill' }, 'SERVICE_CONFIG_INVALID', /onStop: must be one of "shutdown", "leave-running"/],
    [{ alertmanager: { urls: ['ftp://x'] } }, 'SERVICE_CONFIG_BAD_URL', /alertmanager\.urls\[0\]: 'ftp:\/\/x'/],
    [{ alertmanager: { resendSeconds: 1 } }, 'SERVICE_CONFIG_INVALID', /alertmanager\.resendSeconds/],
    [{ externalUrl: 'bm.example.org' }, 'SERVICE_CONFIG_BAD_URL', /externalUrl/],
    [{ drill: { maxScenarios: 0 } }, 'SERVICE_CONFIG_INVALID', /drill\.maxScenarios/],
    [{ resources: { admission: { onNoFit: 'wait' } } }, 'SERVICE_CONFIG_INVALID', /resources\.admission\.onNoFit: must be one of "refuse", "queue"/],
    [{ resources: { admission: { queueTimeoutSeconds: 0 } } }, 'SERVICE_CONFIG_INVALID', /resources\.admission\.queueTimeoutSeconds/],
    [{ resources: { admission: { timeout: 5 } } }, 'SERVICE_CONFIG_INVALID', /resources\.admission: unknown field 'timeout'/],
    [{ resources: { vmNice: 20 } }, 'SERVICE_CONFIG_INVALID', /resources\.vmNice/],
    [{ resources: { vmNice: -5 } }, 'SERVICE_CONFIG_INVALID', /resources\.vmNice/],
    [{ listn: '127.0.0.1:1' }, 'SERVICE_CONFIG_INVALID', /unknown field 'listn'/],
    [[1, 2], 'SERVICE_CONFIG_INVALID', /\(the document\)/],
  ];
  for (const [raw, code, names] of cases) throwsCode(() => parse(raw), code, names);
});

test('plain HTTP off loopback when the config says so; IPv6 and localhost listen forms', () => {
  assert.equal(parse({ listen: '0.0.0.0:7878', allowPlainHttp: true }).externalUrl, 'http://0.0.0.0:7878');
  assert.deepEqual(parseListen('[::1]:9'), { host: '::1', port: 9 });
  assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
  throwsCode(() => parseListen('[127.0.0.1]:9', '--listen'), 'SERVICE_CONFIG_BAD_LISTEN', /--listen/);
});

test('files: an explicit missing file is an error, a missing default file means the defaults, bad YAML names its line', () => {
  throwsCode(() => loadServiceConfig({ file: join(dir, 'nope.yaml'), home }), 'SERVICE_CONFIG_NOT_FOUND', /nope\.yaml/);
  assert.equal(loadServiceConfig({ defaultFile: join(dir, 'nope.yaml'), home }).source, undefined);
  writeFileSync(join(dir, 'bad.yaml'), 'listen: [\n');
  throwsCode(() => loadServiceConfig({ file: join(dir, 'bad.yaml'), home }), 'SERVICE_CONFIG_BAD_YAML', /bad\.yaml at line/);
  writeFileSync(join(dir, 'ok.yaml'), 'listen: 127.0.0.1:9999\n');
  const c = loadServiceConfig({ file: join(dir, 'ok.yaml'), home });
  assert.equal(c.listen.port, 9999);
  assert.equal(c.source, join(dir, 'ok.yaml'));
});

test('the default config path: /etc for root, the XDG config folder otherwise', () => {
  assert.equal(defaultServiceConfigPath({}, 0), '/etc/bootmedic/bootmedic.yaml');
  assert.equal(defaultServiceConfigPath({ XDG_CONFIG_HOME: '/x/cfg' }, 1000), '/x/cfg/bootmedic/bootmedic.yaml');
  assert.match(defaultServiceConfigPath({}, 1000), /\/\.config\/bootmedic\/bootmedic\.yaml$/);
});

test('VM sources: the *.yaml of a folder then the listed files; a missing folder or a name used twice is SERVICE_CONFIG_VM_SOURCE', () => {
  const vms = join(dir, 'vms');
  mkdirSync(vms, { recursive: true });
  const tiny = fileURLToPath(new URL('../../examples/tiny.yaml', import.meta.url));
  writeFileSync(join(vms, 'b.yaml'), 'name: b\nguest: tiny\n');
  writeFileSync(join(vms, 'a.yml'), 'name: a\nguest: tiny\n');
  writeFileSync(join(vms, 'notes.txt'), 'not a VM');
  assert.deepEqual(loadVmSources(parse({ vms: { dir: 'vms', files: [tiny] } })).map((s) => s.name), ['a', 'b', 'tiny']);
  throwsCode(() => loadVmSources(parse({ vms: { dir: 'no-such-dir' } })), 'SERVICE_CONFIG_VM_SOURCE', /vms\.dir .*no-such-dir/);
  writeFileSync(join(vms, 'c.yaml'), 'name: a\nguest: tiny\n');
  throwsCode(() => loadVmSources(parse({ vms: { dir: 'vms' } })), 'SERVICE_CONFIG_VM_SOURCE', /both use the name 'a'/);
  rmSync(join(vms, 'c.yaml'));
  writeFileSync(join(vms, 'd.yaml'), 'name: d\nmemoryMiB: lots\n');
  throwsCode(() => loadVmSources(parse({ vms: { dir: 'vms' } })), 'CONFIG_VM_INVALID', /memoryMiB/);
});

test('the shipped example config deploy/bootmedic.yaml is valid', () => {
  const file = fileURLToPath(new URL('../../deploy/bootmedic.yaml', import.meta.url));
  const c = loadServiceConfig({ file, home });
  assert.equal(c.source, file);
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 7878 });
  assert.ok(c.vms.dir !== undefined, 'the example names a VM folder');
});
