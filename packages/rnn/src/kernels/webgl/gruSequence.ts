import * as tf from '@tensorflow/tfjs-core';
import { registerKernelsOnce, type WebGlBackendLike, type WebGlProgram } from '@gradkit/core';
import { GRU_SEQUENCE, GRU_SEQUENCE_GRAD } from '../../fusedSequence';
import { Calls, GLSL_HELPERS, type Info } from './common';

/**
 * The reset-after GRU's whole sequence on webgl (see cell.ts' FusedGru). A fragment program writes one output and
 * cannot loop over time with its state, so the time loop stays in JavaScript — but a step is one program forward (the
 * recurrent product h·[U_z U_r U_h] as loops inside the program that computes every gate and the new state) and three
 * backward (the gate gradients [∂a_z | ∂a_r | ∂hh], the input gradient's row [∂a_z | ∂a_r | ∂a_c], and ∂h for the
 * step before: g ⊙ z plus the gate row times [U_z U_r U_h]ᵀ, again as loops) — counted in Chromium, 2 draws per step
 * forward and 5 backward with tfjs's own bookkeeping draws, where stepping the cell takes about 20 and 22. Every input is unpacked once at the start (a program reading a packed texture would unpack it each step).
 * The reserve is one tensor: x, the states entering each step (and the last), [U_z U_r U_h], b′_h and the valid flags;
 * the backward recomputes the products and gates from it. The weight gradients are one product over all steps.
 */

/**
 * The gates of step t for example b, unit j from x (X [B,T,3u]), the state entering the step (`state(k)`), the
 * packed weights (U [u, 3u]) and b′_h: the three recurrent products as loops, then z, r, hh, c.
 */
const gates = (u: number, state: (k: string) => string) => `
    float pz = 0.0;
    float pr = 0.0;
    float ph = 0.0;
    for (int k = 0; k < ${u}; k++) {
      float hk = ${state('k')};
      pz += hk * getU(k, j);
      pr += hk * getU(k, ${u} + j);
      ph += hk * getU(k, ${2 * u} + j);
    }
    float z = sigm(getX(b, t, j) + pz);
    float r = sigm(getX(b, t, ${u} + j) + pr);
    float hh = ph + getBH(j);
    float c = tanhStable(getX(b, t, ${2 * u} + j) + r * hh);`;

function forwardStep(u: number, masked: boolean): WebGlProgram {
  return {
    variableNames: ['X', 'H', 'U', 'BH', ...(masked ? ['M'] : [])],
    outputShape: [0, u], // set per call
    customUniforms: [{ name: 't', type: 'int' }],
    userCode: `${GLSL_HELPERS}
  void main() {
    ivec2 bj = getOutputCoords();
    int b = bj.x;
    int j = bj.y;
    ${gates(u, (k) => `getH(b, ${k})`)}
    float hp = getH(b, j);
    float hn = c + z * (hp - c);
    ${masked ? 'setOutput(getM(b, t, 0) > 0.5 ? hn : hp);' : 'setOutput(hn);'}
  }`,
  };
}

const forward: tf.KernelFunc = ({ inputs, backend }) => {
  const { x, h0, uz, ur, uh, bh, masks } = inputs as Record<string, Info>;
  const [B, T, w] = (x as Info).shape as [number, number, number];
  const u = w / 3;
  const calls = new Calls(backend as unknown as WebGlBackendLike, tf.getBackend());
  const ucat = calls.unpacked(calls.concat([uz, ur, uh] as Info[], 1));
  const xu = calls.unpacked(x as Info);
  const bhu = calls.unpacked(bh as Info);
  const step = { ...forwardStep(u, masks != null), outputShape: [B, u] };
  let h = calls.unpacked(h0 as Info);
  const hs: Info[] = [calls.reshape(h, [1, B, u])];
  for (let t = 0; t < T; t++) {
    h = calls.program(step, [xu, h, ucat, bhu, ...(masks ? [masks] : [])] as Info[], [[t]]);
    hs.push(calls.reshape(h, [1, B, u]));
  }
  const hsAll = calls.concat(hs, 0); // [T + 1, B, u]
  const outputs = calls.outputsFromStates(hsAll, masks, B, T, u);
  const valid = calls.validFlags(masks, B, T);
  const reserve = calls.concat(
    [xu, hsAll, ucat, bhu, valid].map((t) => calls.flat(t)),
    0,
  );
  const last = calls.kernel('Identity', { x: h });
  calls.release([outputs, last, reserve]);
  return [outputs, last, reserve];
};

const backward: tf.KernelFunc = ({ inputs, backend }) => {
  const { dOut, dState0, reserve } = inputs as Record<string, Info>;
  if (reserve == null) throw new Error(`${GRU_SEQUENCE_GRAD}: no reserve from the forward kernel`);
  const [B, T, u] = (dOut as Info).shape as [number, number, number];
  const calls = new Calls(backend as unknown as WebGlBackendLike, tf.getBackend());
  // the reserve's parts: x [B,T,3u], states [T+1,B,u], [U_z U_r U_h] [u,3u], b′_h [u], valid [B,T]
  const [x, hs, ucat, bh, valid] = calls.split(reserve as Info, [
    [B, T, 3 * u],
    [T + 1, B, u],
    [u, 3 * u],
    [u],
    [B, T],
  ]) as [Info, Info, Info, Info, Info];
  const common = ['DH', 'DO', 'X', 'U', 'HS', 'BH', 'V'];
  // g = ∂h′ + ∂output where the step is valid (V [B, T]); past an example's length nothing flows but ∂h itself
  const gateProgram = (third: 'dhh' | 'dac'): WebGlProgram => ({
    variableNames: common,
    outputShape: [B, 3 * u],
    customUniforms: [{ name: 't', type: 'int' }],
    userCode: `${GLSL_HELPERS}
  void main() {
    ivec2 bk = getOutputCoords();
    int b = bk.x;
    int k = bk.y;
    int j = k - (k / ${u}) * ${u};
    if (getV(b, t) < 0.5) { setOutput(0.0); return; }
    ${gates(u, (k) => `getHS(t, b, ${k})`)}
    float hp = getHS(t, b, j);
    float g = getDH(b, j) + getDO(b, t, j);
    float dac = g * (1.0 - z) * (1.0 - c * c);
    if (k < ${u}) { setOutput(g * (hp - c) * z * (1.0 - z)); return; }
    if (k < ${2 * u}) { setOutput(dac * hh * r * (1.0 - r)); return; }
    setOutput(${third === 'dhh' ? 'dac * r' : 'dac'});
  }`,
  });
  const gateRow = gateProgram('dhh');
  const dxRow = gateProgram('dac');
  const combine: WebGlProgram = {
    variableNames: [...common, 'G'],
    outputShape: [B, u],
    customUniforms: [{ name: 't', type: 'int' }],
    userCode: `${GLSL_HELPERS}
  void main() {
    ivec2 bj = getOutputCoords();
    int b = bj.x;
    int j = bj.y;
    if (getV(b, t) < 0.5) { setOutput(getDH(b, j)); return; }
    ${gates(u, (k) => `getHS(t, b, ${k})`)}
    float g = getDH(b, j) + getDO(b, t, j);
    // the gate row [∂a_z | ∂a_r | ∂hh] times row j of [U_z U_r U_h]
    float q = 0.0;
    for (int m = 0; m < ${3 * u}; m++) { q += getG(b, m) * getU(j, m); }
    setOutput(g * z + q);
  }`,
  };
  const dOutU = calls.unpacked(dOut as Info);
  let dh = calls.unpacked(dState0 as Info);
  const gateRows: Info[] = new Array<Info>(T);
  const dxRows: Info[] = new Array<Info>(T);
  for (let t = T - 1; t >= 0; t--) {
    const ins = [dh, dOutU, x, ucat, hs, bh, valid] as Info[];
    const gr = calls.program(gateRow, ins, [[t]]);
    dxRows[t] = calls.reshape(calls.program(dxRow, ins, [[t]]), [B, 1, 3 * u]);
    dh = calls.program(combine, [...ins, gr], [[t]]);
    gateRows[t] = calls.reshape(gr, [1, B, 3 * u]);
  }
  const { dU: dUs, rows } = calls.weightGradients(gateRows, hs, T, B, u, 3);
  // ∂b′_h = Σ ∂hh, the gate rows' third block
  const dbh = calls.kernel(
    'Sum',
    { x: calls.kernel('Slice', { x: rows }, { begin: [0, 2 * u], size: [T * B, u] }) },
    { axis: [0], keepDims: false },
  );
  const dX = calls.concat(dxRows, 1);
  const dh0 = calls.kernel('Identity', { x: dh });
  const out = [dX, dh0, ...dUs, dbh];
  calls.release(out);
  return out;
};

/** Registers the GRU whole-sequence kernels (per-step fused programs) for a webgl backend. */
export function registerWebGlGruSequence(backendName: string): void {
  registerKernelsOnce(backendName, [
    [GRU_SEQUENCE, forward],
    [GRU_SEQUENCE_GRAD, backward],
  ]);
}
