import { describe, expect, it } from 'vitest';
import { looksLikeDigitalLink, parseDigitalLink } from './digital-link.ts';

const els = (...pairs: [string, string][]) => pairs.map(([ai, value]) => ({ ai, value }));
const ok = (uri: string, ...pairs: [string, string][]) => expect(parseDigitalLink(uri)).toEqual({ elements: els(...pairs), errors: [] });
const codes = (uri: string) => parseDigitalLink(uri).errors.map((e) => e.code);
const message = (uri: string) => parseDigitalLink(uri).errors[0]?.message ?? '';

describe('looksLikeDigitalLink', () => {
  it('is true for http:// and https:// in any letter case', () => {
    for (const s of ['http://a/01/1', 'https://a', 'HTTPS://A/', 'HtTp://x']) expect(looksLikeDigitalLink(s)).toBe(true);
  });
  it('is false for anything else', () => {
    for (const s of ['', 'http:/', 'https:/a', 'ftp://a', 'http:\x1a//a', ' https://a', 'httpx://a', '(01)1', 'www.example.com/01/1']) {
      expect(looksLikeDigitalLink(s)).toBe(false);
    }
  });
});

describe('parseDigitalLink: examples of the GS1 Digital Link standard', () => {
  it('reads a primary key alone', () => {
    ok('https://id.gs1.org/01/09520123456788', ['01', '09520123456788']);
    ok('https://id.gs1.org/00/952012345678912345', ['00', '952012345678912345']);
    ok('https://id.gs1.org/414/9520123456788', ['414', '9520123456788']);
  });

  it('reads key qualifiers in the path', () => {
    ok('https://id.gs1.org/01/09520123456788/22/2A', ['01', '09520123456788'], ['22', '2A']);
    ok('https://id.gs1.org/01/09520123456788/10/ABC123', ['01', '09520123456788'], ['10', 'ABC123']);
    ok('https://id.gs1.org/01/09520123456788/21/12345', ['01', '09520123456788'], ['21', '12345']);
    ok('https://a/01/12312312312333/22/TEST/10/ABC/21/XYZ', ['01', '12312312312333'], ['22', 'TEST'], ['10', 'ABC'], ['21', 'XYZ']);
    ok('https://id.gs1.org/01/09520123456788/235/XYZ', ['01', '09520123456788'], ['235', 'XYZ']);
    ok('https://id.gs1.org/414/9520123456788/254/32a%2Fb', ['414', '9520123456788'], ['254', '32a/b']);
    ok('https://a/8018/123456789012345675/8019/123', ['8018', '123456789012345675'], ['8019', '123']);
  });

  it('reads data attributes in the query, in query order, after the path', () => {
    ok('https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426', ['01', '09520123456788'], ['10', 'ABC1'], ['21', '12345'], ['17', '180426']);
    ok('https://example.com/01/09520123456788?3103=000195&3922=0299&17=201225', ['01', '09520123456788'], ['3103', '000195'], ['3922', '0299'], ['17', '201225']);
    ok('https://id.gs1.org/00/952012345678912345?02=09520123456788&37=25&10=ABC123', ['00', '952012345678912345'], ['02', '09520123456788'], ['37', '25'], ['10', 'ABC123']);
    ok('https://example.com/8004/9520614141234567?01=09520123456788', ['8004', '9520614141234567'], ['01', '09520123456788']);
    ok('https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123', ['01', '09520123456788'], ['235', 'XYZ'], ['10', 'ABC123']);
  });

  it('reads the example of the brief: a path prefix, %2F in a lot, ignored non-GS1 keys', () => {
    ok(
      'https://id.example.com/some/prefix/01/09506000134352/10/AB%2F12/21/XYZ?17=290131&3103=000195&linkType=gs1:pip',
      ['01', '09506000134352'], ['10', 'AB/12'], ['21', 'XYZ'], ['17', '290131'], ['3103', '000195'],
    );
  });

  it('pads GTIN-8, -12 and -13 to 14 digits, in the path and in the query', () => {
    ok('https://brand.example.com/01/9520123456788', ['01', '09520123456788']);
    ok('https://brand.example.com/some-extra/pathinfo/01/9520123456788', ['01', '09520123456788']);
    ok('https://a/01/416000336108', ['01', '00416000336108']);
    ok('https://a/01/02345673', ['01', '00000002345673']);
    ok('https://a/8004/9520614141234567?01=2112345678900', ['8004', '9520614141234567'], ['01', '02112345678900']);
    ok('https://a/01/123456789', ['01', '123456789']); // no GTIN length: left for the value check
    ok('https://a/01/952012345678A', ['01', '952012345678A']);
  });

  it('reads the convenience alphas of primary keys and key qualifiers (case-sensitive)', () => {
    ok('https://a/gtin/12312312312333', ['01', '12312312312333']);
    ok('https://a/gtin/12312312312333/cpv/A/lot/B/ser/ABC123', ['01', '12312312312333'], ['22', 'A'], ['10', 'B'], ['21', 'ABC123']);
    ok('https://a/sscc/006141411234567890', ['00', '006141411234567890']);
    ok('https://a/gln/9520123456788/glnx/1', ['414', '9520123456788'], ['254', '1']);
    ok('https://a/01/12312312312333/lot/B', ['01', '12312312312333'], ['10', 'B']);
    expect(codes('https://a/GTIN/12312312312333')).toEqual(['bad-digital-link']);
    expect(codes('https://a/zzz/12312312312333')).toEqual(['bad-digital-link']);
    expect(codes('https://a/cps/12312312312333')).toEqual(['bad-digital-link']);
    // No alphas for data attributes: a non-numeric query key is not GS1 data.
    ok('https://a/01/12312312312333?exp=290131', ['01', '12312312312333']);
  });
});

describe('parseDigitalLink: URI form', () => {
  it('accepts any host form and a path prefix', () => {
    for (const host of ['xn--fsq.xn--0zwm56d', 'a.', 'a:65535', '192.0.2.1', '[2001:db8::1]', 'id.example.com:8443']) {
      ok(`https://${host}/01/12312312312333`, ['01', '12312312312333']);
    }
    ok('https://a/stem/00/006141411234567890', ['00', '006141411234567890']);
    ok('https://a/more/stem/00/006141411234567890', ['00', '006141411234567890']);
    ok('https://a/2024/01/01/09506000134352', ['01', '09506000134352']); // digits in the prefix
    ok('https://a/x/10/y/01/09506000134352', ['01', '09506000134352']); // an AI pair in the prefix
    ok('https://a//01/09506000134352', ['01', '09506000134352']);
  });

  it('takes the scheme in any letter case', () => {
    for (const s of ['http', 'HTTP', 'https', 'HTTPS', 'HtTpS']) ok(`${s}://a/00/006141411234567890`, ['00', '006141411234567890']);
  });

  it('ignores the fragment, one trailing slash, an empty query, empty "&" pieces and parameters without "="', () => {
    ok('https://a/01/12312312312333/22/test/10/abc/21/xyz#', ['01', '12312312312333'], ['22', 'test'], ['10', 'abc'], ['21', 'xyz']);
    ok('https://a/01/12312312312333#fragment?17=290131', ['01', '12312312312333']);
    ok('https://a/stem/00/006141411234567890?99=ABC#fragment', ['00', '006141411234567890'], ['99', 'ABC']);
    ok('https://a/01/12312312312333/', ['01', '12312312312333']);
    ok('https://a/01/12312312312333/?17=290131', ['01', '12312312312333'], ['17', '290131']);
    ok('https://a/stem/00/006141411234567890?', ['00', '006141411234567890']);
    ok('https://a/01/12312312312333?&&&99=ABC&&&&&&98=XYZ&&&', ['01', '12312312312333'], ['99', 'ABC'], ['98', 'XYZ']);
    ok('https://a/01/12312312312333?singleton1&unknown1=555&99=ABC&singleton2&98=XYZ&linkType=all&context=x', ['01', '12312312312333'], ['99', 'ABC'], ['98', 'XYZ']);
    ok('https://a/01/12312312312333?a=&99=A=B&17&999', ['01', '12312312312333'], ['99', 'A=B']);
  });

  it('refuses what is no Digital Link URI', () => {
    for (const uri of ['', 'ftp://', 'http://', 'http:///', 'http://a', 'http://a?01=1', 'http://a#/01/1', 'https://00/006141411234567890']) {
      expect(codes(uri), uri).toEqual(['bad-digital-link']);
    }
    for (const uri of ['http://a/', 'http://a/b', 'http://a/b/', 'https://example.com/products/information']) {
      expect(codes(uri), uri).toEqual(['bad-digital-link']);
      expect(message(uri)).toMatch(/no GS1 primary key/);
    }
  });

  it('refuses characters a host may not hold', () => {
    for (const host of ['$a', 'a$', 'user@a', '[fe80::1%25lo]', 'a_b', 'a!']) expect(codes(`https://${host}/01/12312312312333`), host).toEqual(['bad-digital-link']);
  });

  it('refuses characters no URI may hold (bad-charset)', () => {
    for (const c of ['<', '>', '{', '}', '\\', '^', '`', ' ', '"', '|', '\x1d', '\0', 'é', '\u{1F600}']) {
      expect(codes(`https://a/01/12312312312333/10/A${c}B`), JSON.stringify(c)).toEqual(['bad-charset']);
    }
    expect(message('https://a/01/1 2')).toBe('The Digital Link holds a character no URI may hold (U+0020) at position 15; such characters must be percent-encoded.');
  });
});

describe('parseDigitalLink: percent-encoding', () => {
  it('decodes path and query values, hex digits in either case', () => {
    ok('https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ%2f987', ['01', '12312312312333'], ['22', 'ABC-123'], ['99', 'ABC'], ['98', 'XYZ/987']);
    ok('https://a/01/09506000134352/10/%41%2F%2f%25%2B%3F%26%23', ['01', '09506000134352'], ['10', 'A//%+?&#']);
    ok('https://a/01/09506000134352?10x=1&99=%2541', ['01', '09506000134352'], ['99', '%41']); // decoded once
  });

  it('keeps "+" in the path and refuses it in a query value', () => {
    ok('https://a/01/12312312312333/22/ABC+123', ['01', '12312312312333'], ['22', 'ABC+123']);
    expect(codes('https://a/01/12312312312333/22/A?98=XYZ+987')).toEqual(['bad-digital-link']);
    expect(message('https://a/01/12312312312333/22/A?98=XYZ+987')).toMatch(/%2B/);
    ok('https://a/01/12312312312333?98=XYZ%2B987', ['01', '12312312312333'], ['98', 'XYZ+987']);
  });

  it('refuses a "%" without two hex digits', () => {
    for (const bad of ['AB%2', 'AB%', '%G1', '%2G', '%%41', 'A%-1']) {
      expect(codes(`https://a/01/09506000134352/10/${bad}`), bad).toEqual(['bad-digital-link']);
      expect(codes(`https://a/01/09506000134352?99=${bad}`), bad).toEqual(['bad-digital-link']);
    }
  });

  it('passes decoded characters outside CSET 82 on, for the value check to refuse', () => {
    ok('https://a/01/09506000134352/10/A%20B%00%C3%A9', ['01', '09506000134352'], ['10', 'A B\0\xC3\xA9']);
  });
});

describe('parseDigitalLink: key qualifiers', () => {
  it('allows omissions in the order of the dictionary', () => {
    ok('https://a/01/09506000134352/22/A/21/C', ['01', '09506000134352'], ['22', 'A'], ['21', 'C']);
    ok('https://a/8006/095060001343520102/10/B', ['8006', '095060001343520102'], ['10', 'B']);
    ok('https://a/8010/ABC/8011/123', ['8010', 'ABC'], ['8011', '123']);
    ok('https://a/414/9520123456788/7040/1ABC', ['414', '9520123456788'], ['7040', '1ABC']);
    ok('https://a/415/9520123456788/8020/REF1', ['415', '9520123456788'], ['8020', 'REF1']);
  });

  it('refuses qualifiers out of order', () => {
    for (const path of ['/01/09506000134352/21/X/10/Y', '/01/09506000134352/10/Y/22/A', '/01/09506000134352/21/X/22/A']) {
      expect(codes(`https://a${path}`), path).toEqual(['bad-digital-link']);
      expect(message(`https://a${path}`)).toMatch(/must come in the order 22, 10, 21 or 235/);
    }
  });

  it('refuses a mix of alternative qualifier sequences', () => {
    expect(codes('https://a/01/09506000134352/10/B/235/T')).toEqual(['bad-digital-link']);
    expect(message('https://a/01/09506000134352/22/A/235/T')).toMatch(/alternatives and cannot be combined/);
    expect(codes('https://a/414/9520123456788/254/1/7040/1ABC')).toEqual(['bad-digital-link']);
  });

  it('refuses an AI that is no qualifier of the key, a repeated one, and qualifiers of a key that takes none', () => {
    expect(message('https://a/01/12312312312333/99/ABC')).toMatch(/\(99\) is not a key qualifier of \(01\)/);
    expect(message('https://a/01/09506000134352/17/290131')).toMatch(/\(17\) is not a key qualifier/);
    expect(message('https://a/01/09506000134352/10/A/10/B')).toMatch(/appears twice/);
    expect(message('https://a/00/006141411234567890/10/A')).toMatch(/takes no key qualifiers/);
  });

  it('takes the rightmost primary key: what precedes it is a stem, even when it looks like AI pairs', () => {
    // The GS1 Barcode Syntax Engine's vectors (dl.c, "Custom stem"): "Fake AI in stem, stop at rightmost key".
    ok('https://a/00/faux/00/006141411234567890', ['00', '006141411234567890']);
    ok('https://a/stem/00/006141411234567890', ['00', '006141411234567890']);
    ok('https://a/more/stem/00/006141411234567890', ['00', '006141411234567890']);
    ok('https://a/01/09506000134352/01/09520123456788/10/AB', ['01', '09520123456788'], ['10', 'AB']);
    // A GTIN in the stem is not data: the GIAI after it is the key.
    expect(parseDigitalLink('https://a/01/09506000134352/8004/9520614141234567').elements).toEqual([{ ai: '8004', value: '9520614141234567' }]);
  });
});

describe('parseDigitalLink: query errors', () => {
  it('refuses a numeric key that is no AI', () => {
    expect(codes('https://a/01/12312312312333?99=ABC&999=faux')).toEqual(['unknown-ai']);
    expect(codes('https://example.com/01/09520123456788?99=XYZ&89=ABC123')).toEqual(['unknown-ai']);
    expect(codes('https://a/01/12312312312333?1=A')).toEqual(['unknown-ai']);
    expect(message(`https://a/01/12312312312333?${'9'.repeat(1000)}=1`).length).toBeLessThan(200);
  });

  it('refuses an AI without a value', () => {
    expect(codes('https://a/01/12312312312333?99=')).toEqual(['bad-digital-link']);
    expect(codes('https://a/01/12312312312333?=0001')).toEqual(['bad-digital-link']);
    expect(codes('https://a/01/12312312312333?=')).toEqual(['bad-digital-link']);
  });

  it('refuses a key qualifier in the query that belongs in the path', () => {
    expect(codes('https://example.com/01/09520123456788?10=ABC123')).toEqual(['bad-digital-link']);
    expect(message('https://a/01/09506000134352/21/S?10=L')).toMatch(/\(10\) .* belongs in the path/);
    expect(message('https://a/01/09506000134352?21=S')).toMatch(/belongs in the path/);
  });

  it('refuses an AI that is no data attribute', () => {
    expect(message('https://a/01/09506000134352/235/T?21=S')).toMatch(/\(21\) .* not permitted as a Digital Link data attribute/);
    expect(codes('https://a/00/006141411234567890?8019=1')).toEqual(['bad-digital-link']);
  });

  it('refuses an AI twice', () => {
    for (const q of ['99=XYZ789&01=09520123456788', '99=XYZ789&10=ABC123', '99=XYZ789&99=XYZ789']) {
      expect(codes(`https://id.gs1.org/01/09520123456788/10/ABC123?${q}`), q).toEqual(['bad-digital-link']);
    }
  });
});

describe('parseDigitalLink: results with an error', () => {
  it('hold no elements, so that no percent-decoded value escapes unchecked', () => {
    for (const uri of ['https://a/01/09506000134352/21/%31%39?99=', 'https://a/01/09506000134352/21/X/10/Y', 'https://a/01/09506000134352?10=%31%39', 'https://a/01/09506000134352?17=1&17=1']) {
      const r = parseDigitalLink(uri);
      expect(r.errors.length, uri).toBe(1);
      expect(r.elements, uri).toEqual([]);
    }
  });
});

describe('parseDigitalLink: paths without GS1 data', () => {
  it('decompresses a compressed link (more in digital-link-decompress.test.ts)', () => {
    expect(codes('https://id.gs1.org/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ')).toEqual([]);
    expect(codes('https://example.org/stem/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TXhXsaXbQKHFuaprwUmrBX6g')).toEqual([]);
    expect(message('https://id.gs1.org/01/09506000134352/AQnYUc1gmiERBhQ0')).toMatch(/compressed GS1 Digital Link cannot be decoded/);
  });

  it('does not take a word for a compressed blob', () => {
    for (const uri of ['https://example.com/informationen', 'https://example.com/Product-Info', 'https://example.com/products/12345678901']) {
      expect(codes(uri), uri).toEqual(['bad-digital-link']);
    }
  });

  it('says when the link ends after an AI', () => {
    expect(codes('https://a/01/09506000134352/10')).toEqual(['truncated']);
    expect(codes('https://a/01/12312312312333/10/')).toEqual(['truncated']);
    expect(codes('https://a/01')).toEqual(['truncated']);
    expect(codes('https://a/prefix/gtin/')).toEqual(['truncated']);
    expect(message('https://a/01/09506000134352/10')).toBe('The Digital Link ends after (10) batch/lot number, with no value.');
  });

  it('names an unknown AI in the path', () => {
    expect(codes('https://example.com/01/09520123456788/89/ABC123?99=XYZ')).toEqual(['unknown-ai']);
    expect(message('https://a/01/09506000134352/10/A/9999/B')).toBe('(9999) in the Digital Link path is not a GS1 Application Identifier.');
  });

  it('refuses empty values and segments', () => {
    expect(codes('https://a/01//10/A')).toEqual(['bad-digital-link']);
    expect(message('https://a/01//10/A')).toMatch(/\(01\) GTIN has an empty value/);
    expect(codes('https://a/01//12312312312333')).toEqual(['bad-digital-link']);
  });
});
