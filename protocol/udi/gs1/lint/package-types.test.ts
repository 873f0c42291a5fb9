import { describe, expect, it } from 'vitest';
import { isPackageType } from './package-types.ts';

describe('package type codes', () => {
  it('knows UN/ECE Recommendation 21 codes and the GS1 additions', () => {
    for (const code of ['BX', 'PX', 'CT', 'BG', '1A', '8', 'APE', 'PUE', 'X11', 'ZZ']) expect(isPackageType(code)).toBe(true);
  });

  it('refuses unknown codes and other spellings', () => {
    for (const code of ['bx', 'QQQ', 'B', '7', '', ' BX', 'BX ']) expect(isPackageType(code)).toBe(false);
  });
});
