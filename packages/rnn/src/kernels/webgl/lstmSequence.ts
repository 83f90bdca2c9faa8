import * as tf from '@tensorflow/tfjs-core';
import { registerKernelsOnce, type WebGlBackendLike, type WebGlProgram } from '@gradkit/core';
import { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from '../../fusedSequence';
import { Calls, GLSL_HELPERS, type Info } from './common';

/**
 * TF's BasicLSTMCell's whole sequence on webgl (without layer normalization, which has its own kernel names), as
 * gruSequence.ts does for the GRU: the time loop in JavaScript, the recurrent products as loops inside the programs.
 * Forward, two programs per step (c′, then h′ = tanh(c′) ⊙ o, each recomputing the gates it needs); backward, three
 * (the gate rows [∂a_i | ∂a_j | ∂a_f | ∂a_o], which are also ∂x's row; ∂c for the step before; ∂h for the step before,
 * the gate row times [U_i U_j U_f U_o]ᵀ). The reserve: x, the states h and c entering each step (and the last),
 * [U_i U_j U_f U_o], the valid flags.
 */

/** a_g for gate g (0 i, 1 j, 2 f, 3 o) of step t, example b, unit j: x plus the recurrent product as a loop. */
const preActivations = (u: number, state: (k: string) => string) => `
    float ai = getX(b, t, j);
    float aj = getX(b, t, ${u} + j);
    float af = getX(b, t, ${2 * u} + j);
    float ao = getX(b, t, ${3 * u} + j);
    for (int k = 0; k < ${u}; k++) {
      float hk = ${state('k')};
      ai += hk * getU(k, j);
      aj += hk * getU(k, ${u} + j);
      af += hk * getU(k, ${2 * u} + j);
      ao += hk * getU(k, ${3 * u} + j);
    }
    float i = sigm(ai);
    float jt = tanhStable(aj);
    float f = sigm(af + forgetBias);
    float o = sigm(ao);`;

function stepProgram(u: number, masked: boolean, output: 'c' | 'h'): WebGlProgram {
  return {
    variableNames: ['X', 'H', 'C', 'U', ...(masked ? ['M'] : [])],
    outputShape: [0, u], // set per call
    customUniforms: [
      { name: 't', type: 'int' },
      { name: 'forgetBias', type: 'float' },
    ],
    userCode: `${GLSL_HELPERS}
  void main() {
    ivec2 bj = getOutputCoords();
    int b = bj.x;
    int j = bj.y;
    ${preActivations(u, (k) => `getH(b, ${k})`)}
    float cp = getC(b, j);
    float cn = cp * f + i * jt;
    float value = ${output === 'c' ? 'cn' : 'tanhStable(cn) * o'};
    float previous = ${output === 'c' ? 'cp' : 'getH(b, j)'};
    ${masked ? 'setOutput(getM(b, t, 0) > 0.5 ? value : previous);' : 'setOutput(value);'}
  }`,
  };
}

const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, c0, h0, ui, uj, uf, uo, masks } = inputs as Record<string, Info>;
  if (attrs?.layerNorm) throw new Error(`${LSTM_SEQUENCE}: layer normalization runs under GradkitLnLstmSequence`);
  const forgetBias = (attrs?.forgetBias as number | undefined) ?? 0;
  const [B, T, w] = (x as Info).shape as [number, number, number];
  const u = w / 4;
  const calls = new Calls(backend as unknown as WebGlBackendLike, tf.getBackend());
  const ucat = calls.unpacked(calls.concat([ui, uj, uf, uo] as Info[], 1));
  const xu = calls.unpacked(x as Info);
  const cStep = { ...stepProgram(u, masks != null, 'c'), outputShape: [B, u] };
  const hStep = { ...stepProgram(u, masks != null, 'h'), outputShape: [B, u] };
  let h = calls.unpacked(h0 as Info);
  let c = calls.unpacked(c0 as Info);
  const hs: Info[] = [calls.reshape(h, [1, B, u])];
  const cs: Info[] = [calls.reshape(c, [1, B, u])];
  for (let t = 0; t < T; t++) {
    const ins = [xu, h, c, ucat, ...(masks ? [masks] : [])] as Info[];
    const cNext = calls.program(cStep, ins, [[t], [forgetBias]]);
    h = calls.program(hStep, ins, [[t], [forgetBias]]);
    c = cNext;
    hs.push(calls.reshape(h, [1, B, u]));
    cs.push(calls.reshape(c, [1, B, u]));
  }
  const hsAll = calls.concat(hs, 0); // [T + 1, B, u]
  const csAll = calls.concat(cs, 0);
  const outputs = calls.outputsFromStates(hsAll, masks, B, T, u);
  const valid = calls.validFlags(masks, B, T);
  const reserve = calls.concat(
    [xu, hsAll, csAll, ucat, valid].map((t) => calls.flat(t)),
    0,
  );
  const cLast = calls.kernel('Identity', { x: c });
  const hLast = calls.kernel('Identity', { x: h });
  calls.release([outputs, cLast, hLast, reserve]);
  return [outputs, cLast, hLast, reserve];
};

const backward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dOut, dState0, dState1, reserve } = inputs as Record<string, Info>;
  if (reserve == null) throw new Error(`${LSTM_SEQUENCE_GRAD}: no reserve from the forward kernel`);
  const forgetBias = (attrs?.forgetBias as number | undefined) ?? 0;
  const [B, T, u] = (dOut as Info).shape as [number, number, number];
  const calls = new Calls(backend as unknown as WebGlBackendLike, tf.getBackend());
  // the reserve's parts: x [B,T,4u], h and c entering each step [T+1,B,u] each, [U_i U_j U_f U_o] [u,4u], valid [B,T]
  const [x, hs, cs, ucat, valid] = calls.split(reserve as Info, [
    [B, T, 4 * u],
    [T + 1, B, u],
    [T + 1, B, u],
    [u, 4 * u],
    [B, T],
  ]) as [Info, Info, Info, Info, Info];
  const common = ['DH', 'DC', 'DO', 'X', 'U', 'HS', 'CS', 'V'];
  const uniforms = [
    { name: 't', type: 'int' as const },
    { name: 'forgetBias', type: 'float' as const },
  ];
  // ∂c′ = ∂c + g ⊙ o ⊙ (1 − tanh²c′), g = ∂h′ + ∂output, where the step is valid
  const dcNew = `
    float cp = getCS(t, b, j);
    float cn = cp * f + i * jt;
    float tm = tanhStable(cn);
    float g = getDH(b, j) + getDO(b, t, j);
    float dcn = getDC(b, j) + g * o * (1.0 - tm * tm);`;
  const gateRow: WebGlProgram = {
    variableNames: common,
    outputShape: [B, 4 * u],
    customUniforms: uniforms,
    userCode: `${GLSL_HELPERS}
  void main() {
    ivec2 bk = getOutputCoords();
    int b = bk.x;
    int k = bk.y;
    int j = k - (k / ${u}) * ${u};
    if (getV(b, t) < 0.5) { setOutput(0.0); return; }
    ${preActivations(u, (q) => `getHS(t, b, ${q})`)}
    ${dcNew}
    if (k < ${u}) { setOutput(dcn * jt * i * (1.0 - i)); return; }
    if (k < ${2 * u}) { setOutput(dcn * i * (1.0 - jt * jt)); return; }
    if (k < ${3 * u}) { setOutput(dcn * cp * f * (1.0 - f)); return; }
    setOutput(g * tm * o * (1.0 - o));
  }`,
  };
  const dcCarry: WebGlProgram = {
    variableNames: common,
    outputShape: [B, u],
    customUniforms: uniforms,
    userCode: `${GLSL_HELPERS}
  void main() {
    ivec2 bj = getOutputCoords();
    int b = bj.x;
    int j = bj.y;
    if (getV(b, t) < 0.5) { setOutput(getDC(b, j)); return; }
    ${preActivations(u, (q) => `getHS(t, b, ${q})`)}
    ${dcNew}
    setOutput(dcn * f);
  }`,
  };
  const dhCarry: WebGlProgram = {
    variableNames: ['DH', 'V', 'G', 'U'],
    outputShape: [B, u],
    customUniforms: [{ name: 't', type: 'int' }],
    userCode: `void main() {
    ivec2 bj = getOutputCoords();
    int b = bj.x;
    int j = bj.y;
    if (getV(b, t) < 0.5) { setOutput(getDH(b, j)); return; }
    float q = 0.0;
    for (int m = 0; m < ${4 * u}; m++) { q += getG(b, m) * getU(j, m); }
    setOutput(q);
  }`,
  };
  const dOutU = calls.unpacked(dOut as Info);
  let dc = calls.unpacked(dState0 as Info);
  let dh = calls.unpacked(dState1 as Info);
  const gateRows: Info[] = new Array<Info>(T);
  const dxRows: Info[] = new Array<Info>(T);
  for (let t = T - 1; t >= 0; t--) {
    const ins = [dh, dc, dOutU, x, ucat, hs, cs, valid] as Info[];
    const gr = calls.program(gateRow, ins, [[t], [forgetBias]]);
    const dcPrev = calls.program(dcCarry, ins, [[t], [forgetBias]]);
    dh = calls.program(dhCarry, [dh, valid, gr, ucat], [[t]]);
    dc = dcPrev;
    gateRows[t] = calls.reshape(gr, [1, B, 4 * u]);
    dxRows[t] = calls.reshape(gr, [B, 1, 4 * u]);
  }
  const { dU: dUs } = calls.weightGradients(gateRows, hs, T, B, u, 4);
  const dX = calls.concat(dxRows, 1);
  const out = [dX, calls.kernel('Identity', { x: dc }), calls.kernel('Identity', { x: dh }), ...dUs];
  calls.release(out);
  return out;
};

/** Registers the (plain) LSTM whole-sequence kernels (per-step fused programs) for a webgl backend. */
export function registerWebGlLstmSequence(backendName: string): void {
  registerKernelsOnce(backendName, [
    [LSTM_SEQUENCE, forward],
    [LSTM_SEQUENCE_GRAD, backward],
  ]);
}
