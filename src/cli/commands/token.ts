import { ensureHome } from '../../config/index.ts';
import { createToken, listTokens, revokeToken, ROLES, tokenFilePath, type Role } from '../../server/index.ts';
import type { Command } from '../command.ts';
import { usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { table } from '../style.ts';

const USAGE = `bootmedic token <subcommand> [--home DIR]
  create --role viewer|operator [--json]   make a token; it is printed once, alone on the last line
  list [--json]                            the tokens' ids, roles and creation times (never the tokens)
  revoke <id>                              remove a token; the server refuses it within 2 s`;

export const command: Command = {
  name: 'token',
  summary: "Make, list and revoke the API's bearer tokens (roles: viewer reads, operator also runs drills and heals).",
  usage: USAGE,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    const home = ctx.app.home;
    switch (sub) {
      case 'create': {
        const { values, positionals } = parseCommandArgs(rest, { role: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
        if (positionals.length > 0) usageError('token create takes no positional arguments', USAGE);
        const role = values.role;
        if (role === undefined || !(ROLES as readonly string[]).includes(role)) usageError(`--role must be viewer or operator${role === undefined ? '' : `, got ${JSON.stringify(role)}`}`, USAGE);
        ensureHome(ctx.app);
        const t = createToken(home, role as Role);
        if (values.json === true) ctx.stdout.write(`${JSON.stringify(t)}\n`);
        else ctx.stdout.write(`${t.role} token ${t.id} (shown once; ${tokenFilePath(home)} keeps only its hash):\n${t.token}\n`);
        return EXIT.ok;
      }
      case 'list': {
        const { values, positionals } = parseCommandArgs(rest, { json: { type: 'boolean' } }, USAGE);
        if (positionals.length > 0) usageError('token list takes no positional arguments', USAGE);
        const ts = listTokens(home);
        if (values.json === true) ctx.stdout.write(`${JSON.stringify(ts)}\n`);
        else if (ts.length === 0) ctx.stdout.write("no tokens; make one with 'bootmedic token create --role viewer'\n");
        else for (const l of table([['id', 'role', 'created'], ...ts.map((t) => [t.id, t.role, t.created])])) ctx.stdout.write(`${l}\n`);
        return EXIT.ok;
      }
      case 'revoke': {
        const { positionals } = parseCommandArgs(rest, {}, USAGE);
        if (positionals.length !== 1) usageError('token revoke takes one token id', USAGE);
        revokeToken(home, positionals[0]!);
        ctx.stdout.write(`revoked token ${positionals[0]}\n`);
        return EXIT.ok;
      }
      default:
        return usageError(sub === undefined ? 'token needs a subcommand' : `unknown token subcommand '${sub}'`, USAGE);
    }
  },
};
