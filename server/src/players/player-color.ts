/**
 * Player colours: hue steps by the golden angle (~137.5 degrees) from one id to the next,
 * so consecutive players always get clearly different colours and any two of the first
 * few hundred are told apart. Saturation and lightness are fixed to read well on a dark
 * or a light canvas.
 */

const GOLDEN_ANGLE_DEG = 137.50776405003785;

/** Colour of player `id` (1..65535) as `#rrggbb`. Deterministic: the same id, the same colour. */
export function playerColor(id: number): string {
  const hue = (id * GOLDEN_ANGLE_DEG) % 360;
  return hslToHex(hue, 0.7, 0.55);
}

/** HSL (hue in degrees, saturation and lightness 0..1) to `#rrggbb`. */
export function hslToHex(hue: number, saturation: number, lightness: number): string {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number): string => {
    const k = (n + hue / 30) % 12;
    const v = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(v * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
