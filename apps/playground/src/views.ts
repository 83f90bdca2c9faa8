/** Small DOM pieces the experiments draw into their view. */

/** A 28×28 MNIST digit as a canvas (pixels in [0, 1], white on black as the data is; scaled up by CSS). */
export function digitCanvas(images: Float32Array, index: number, side = 28): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  canvas.className = 'digit';
  const context = canvas.getContext('2d');
  if (context == null) return canvas;
  const image = context.createImageData(side, side);
  const pixels = side * side;
  for (let p = 0; p < pixels; p++) {
    const v = Math.round(255 * (images[index * pixels + p] as number));
    image.data.set([v, v, v, 255], p * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** An element with text content (and a class). */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = '',
  className = '',
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== '') e.textContent = text;
  if (className !== '') e.className = className;
  return e;
}
