// noble's curve objects for the curves curve-names.ts names: importing this builds them all.
import type { WeierstrassParams } from './curve-names.js';
import { WEIERSTRASS_CURVES, type WeierstrassCurve } from './ecdsa-weierstrass.js';

const BY_KIND = new Map(WEIERSTRASS_CURVES.map((c) => [c.kind, c]));

/** The curve object of a Weierstrass curve's parameters. */
export const weierstrassCurve = (params: WeierstrassParams): WeierstrassCurve => BY_KIND.get(params.kind)!;
