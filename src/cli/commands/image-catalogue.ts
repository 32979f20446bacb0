// `bootmedic image add|list|promote|retire|sign|verify`: the image catalogue's CLI
// (dispatched from image.ts; the logic lives in src/catalogue/).
import { addImage, promoteImage, retireImage, signImage, verifyImage, type CatalogueDeps } from '../../catalogue/index.ts';
import { loadVmSpec } from '../../config/index.ts';
import type { StoredImage } from '../../store/index.ts';
import type { CommandContext } from '../command.ts';
import { openRuntime, type Runtime } from '../compose.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { renderEvent } from '../render-boot.ts';
import { paint, table } from '../style.ts';
import { usageError } from '../errors.ts';

/** The usage lines of the catalogue subcommands. */
export const CATALOGUE_USAGE = [
  'bootmedic image add <disk> [--name N] [--version V] [--origin TEXT] [--json]',
  'bootmedic image list [--json]',
  'bootmedic image promote <id|name> --vm <vm.yaml> [--to tested|golden] [--json]',
  'bootmedic image retire <id|name>',
  'bootmedic image sign <id|name> [--key FILE]',
  'bootmedic image verify <id|name> [--json]',
].join(' | ');

async function withRuntime(ctx: CommandContext, fn: (rt: Runtime, deps: CatalogueDeps) => Promise<number>): Promise<number> {
  const rt = await openRuntime(ctx.app);
  try {
    if (rt.store === undefined) throw new Error('runtime without a store');
    return await fn(rt, { store: rt.store, home: rt.home, record: rt.record });
  } finally {
    await rt.close();
  }
}

const one = (positionals: string[], what: string): string => {
  const [x] = positionals;
  if (x === undefined || positionals.length > 1) usageError(`image ${what} takes one ${what === 'add' ? 'disk image' : 'image id or name'}`, CATALOGUE_USAGE);
  return x;
};

const row = (i: StoredImage) => [i.id, i.state, i.signature ? 'signed' : 'unsigned', i.sha256.slice(0, 16), i.path];
const asJson = (i: StoredImage) => ({ ...i, signature: i.signature === undefined ? undefined : { alg: i.signature.alg, signedAt: i.signature.signedAt, publicKey: i.signature.publicKey } });

/** Runs one catalogue subcommand; undefined when `sub` is not one of them. */
export async function runCatalogueCommand(sub: string, argv: string[], ctx: CommandContext): Promise<number | undefined> {
  const U = CATALOGUE_USAGE;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' }, version: { type: 'string' }, origin: { type: 'string' }, json: { type: 'boolean' } }, U);
      const disk = one(positionals, 'add');
      return withRuntime(ctx, async (_rt, deps) => {
        const img = await addImage(deps, disk, { name: values.name, version: values.version, origin: values.origin });
        if (values.json === true) ctx.stdout.write(JSON.stringify(asJson(img)) + '\n');
        else {
          ctx.stdout.write(`added ${img.id} (candidate) sha256 ${img.sha256}\n`);
          for (const l of table(img.artefacts.map((a) => [a.kind, a.sha256, `${a.path} (${a.size} bytes)`]), { indent: '  ', columns: [{ min: 8 }], gap: [' ', '  '] })) ctx.stdout.write(`${l}\n`);
          if (img.artefacts.length === 0) ctx.stdout.write('  (no boot artefacts found on an ESP)\n');
        }
        return EXIT.ok;
      });
    }
    case 'list': {
      const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, U);
      if (positionals.length > 0) usageError('image list takes no arguments', U);
      return withRuntime(ctx, async (_rt, deps) => {
        const images = deps.store.images.list();
        const lkg = deps.store.images.allLastKnownGood();
        if (values.json === true) ctx.stdout.write(JSON.stringify({ images: images.map(asJson), lastKnownGood: lkg }) + '\n');
        else {
          if (images.length === 0) ctx.stdout.write('no catalogued images (bootmedic image add <disk>)\n');
          for (const l of table(images.map(row), { columns: [{ min: 24 }, { min: 9 }, { min: 8 }], gap: [' ', ' ', ' ', '  '] })) ctx.stdout.write(`${l}\n`);
          for (const l of lkg) ctx.stdout.write(`last-known-good  vm ${l.vm}: ${l.imageId} (boot ${l.bootId}, ${l.at})\n`);
        }
        return EXIT.ok;
      });
    }
    case 'promote': {
      const { values, positionals } = parseCommandArgs(argv, { to: { type: 'string' }, vm: { type: 'string' }, json: { type: 'boolean' } }, U);
      const ref = one(positionals, 'promote');
      if (values.to !== undefined && values.to !== 'tested' && values.to !== 'golden') usageError(`--to must be tested or golden, not '${values.to}'`, U);
      if (values.vm === undefined) usageError('image promote needs --vm <vm.yaml>: the VM that boots the image to prove it', U);
      const spec = loadVmSpec(values.vm);
      const p = paint(ctx.app.color);
      return withRuntime(ctx, async (rt, deps) => {
        const { image, outcome } = await promoteImage({ ...rt, ...deps }, ref, {
          to: values.to as 'tested' | 'golden' | undefined,
          spec,
          signal: ctx.signal,
          onEvent: (e) => {
            if (values.json === true) return;
            const l = renderEvent(e, p);
            if (l !== undefined) ctx.stdout.write(`${l}\n`);
          },
        });
        if (values.json === true) ctx.stdout.write(JSON.stringify({ id: image.id, state: image.state, bootId: outcome.bootId, vm: spec.name, durationMs: outcome.durationMs }) + '\n');
        else ctx.stdout.write(`promoted ${image.id} to ${image.state} (boot ${outcome.bootId} on VM ${spec.name} reached ready)\n`);
        return EXIT.ok;
      });
    }
    case 'retire':
    case 'sign': {
      const { values, positionals } = parseCommandArgs(argv, sub === 'sign' ? { key: { type: 'string' } } : {}, U);
      const ref = one(positionals, sub);
      return withRuntime(ctx, async (_rt, deps) => {
        const img = sub === 'retire' ? await retireImage(deps, ref) : await signImage(deps, ref, { keyPath: (values as { key?: string }).key });
        ctx.stdout.write(sub === 'retire' ? `retired ${img.id}\n` : `signed ${img.id} (ed25519, ${img.signature?.signedAt})\n`);
        return EXIT.ok;
      });
    }
    case 'verify': {
      const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, U);
      const ref = one(positionals, 'verify');
      return withRuntime(ctx, async (_rt, deps) => {
        const r = verifyImage(deps, ref);
        if (values.json === true) ctx.stdout.write(JSON.stringify(r) + '\n');
        else ctx.stdout.write(r.ok ? `${r.id}: ok (digests match, signature valid)\n` : r.problems.map((x) => `${r.id}: ${x}\n`).join(''));
        return r.ok ? EXIT.ok : EXIT.failed;
      });
    }
    default:
      return undefined;
  }
}
