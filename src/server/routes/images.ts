import { z } from 'zod';
import { route } from '../route.ts';
import { ImageRow } from '../schemas.ts';

export const imageRoutes = [
  route({
    method: 'get', path: '/api/v1/images', auth: 'viewer', tag: 'images',
    summary: 'The image catalogue: every catalogued image with its digests, state, boot proofs and signature.',
    ok: { description: 'Images.', json: z.array(ImageRow) },
    handle: ({ deps }) => deps.service.store.images.list(),
  }),
];
