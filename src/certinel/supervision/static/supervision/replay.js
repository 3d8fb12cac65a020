/* Certinel's draw replayer for the browser: the algorithm of docs/draws.md (RFC 3797 and its
   SHA-256 profile, strata, inspectors), written again from the specification so that anyone can
   check a published draw without the server. Its results equal certinel/supervision/draw.py's.

     certinelReplay({pool, count, sources, profile})  -> Promise of the 1-based positions
     certinelReplayPublished(plan)                     -> Promise of the result (draw.replay's)
     certinelDumps(result)                             -> the result's canonical JSON (draw.dumps's)
     certinelCanonicalKey(sources)                     -> the key as text
     certinelDrawInternals                             -> md5, sha256, modulo (for tests)

   MD5 (RFC 1321) and SHA-256 (FIPS 180-4) are implemented here: WebCrypto has no MD5, and its
   SHA-256 is asynchronous and missing on pages that are not served securely. Errors are thrown
   as Error with a message a person can act on. */
(function (root) {
  "use strict";

  var VERSION = 1;
  var REGION_RULES = ["any", "same", "other"];
  var MIN_INSPECTORS = 2;

  /* ---------------------------------------------------------------- hash functions */

  var MD5_K = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391];
  var MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

  function md5(bytes) {
    var n = bytes.length;
    var words = new Int32Array((((n + 8) >>> 6) + 1) * 16);
    for (var i = 0; i < n; i++) words[i >> 2] |= bytes[i] << ((i & 3) * 8);
    words[n >> 2] |= 0x80 << ((n & 3) * 8);
    words[words.length - 2] = (n * 8) >>> 0;
    words[words.length - 1] = Math.floor(n / 0x20000000);
    var a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
    for (var block = 0; block < words.length; block += 16) {
      var a = a0, b = b0, c = c0, d = d0;
      for (var r = 0; r < 64; r++) {
        var f, g, round = r >> 4;
        if (round === 0) { f = (b & c) | (~b & d); g = r; }
        else if (round === 1) { f = (d & b) | (~d & c); g = (5 * r + 1) & 15; }
        else if (round === 2) { f = b ^ c ^ d; g = (3 * r + 5) & 15; }
        else { f = c ^ (b | ~d); g = (7 * r) & 15; }
        f = (f + a + MD5_K[r] + words[block + g]) | 0;
        var s = MD5_S[round * 4 + (r & 3)];
        a = d; d = c; c = b;
        b = (b + ((f << s) | (f >>> (32 - s)))) | 0;
      }
      a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
    }
    var out = new Uint8Array(16), state = [a0, b0, c0, d0];
    for (var k = 0; k < 16; k++) out[k] = (state[k >> 2] >>> ((k & 3) * 8)) & 0xff;
    return out;
  }

  var SHA_K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var SHA_H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  var shaW = new Int32Array(64);

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  function sha256(bytes) {
    var n = bytes.length;
    var words = new Int32Array((((n + 8) >>> 6) + 1) * 16);
    for (var i = 0; i < n; i++) words[i >> 2] |= bytes[i] << (24 - (i & 3) * 8);
    words[n >> 2] |= 0x80 << (24 - (n & 3) * 8);
    words[words.length - 2] = Math.floor(n / 0x20000000);
    words[words.length - 1] = (n * 8) >>> 0;
    var h = SHA_H.map(function (x) { return x | 0; }), w = shaW;
    for (var block = 0; block < words.length; block += 16) {
      for (var t = 0; t < 64; t++) {
        if (t < 16) { w[t] = words[block + t]; continue; }
        var x = w[t - 15], y = w[t - 2];
        var s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3), s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (var r = 0; r < 64; r++) {
        var t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA_K[r] + w[r]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    var out = new Uint8Array(32);
    for (var k = 0; k < 32; k++) out[k] = (h[k >> 2] >>> (24 - (k & 3) * 8)) & 0xff;
    return out;
  }

  var PROFILES = {
    rfc3797: { name: "rfc3797", hash: md5, maxCount: 65536 },
    sha256: { name: "sha256", hash: sha256, maxCount: 4294967296 }
  };

  function profileNamed(name) {
    if (!Object.prototype.hasOwnProperty.call(PROFILES, name)) {
      throw new Error("Unknown profile " + JSON.stringify(name) + ": use one of rfc3797, sha256.");
    }
    return PROFILES[name];
  }

  /* ---------------------------------------------------------------- the key */

  var SPACE = /[ \t\n\r\f\v]+/;
  var NUMBER = /^([+-]?)([0-9]+)(?:\.([0-9]+))?$/;
  var utf8 = new TextEncoder();

  function parseNumber(token) {
    var m = NUMBER.exec(token);
    if (!m) return null;
    var whole = m[2].replace(/^0+/, "") || "0", frac = (m[3] || "").replace(/0+$/, "");
    var negative = m[1] === "-" && (whole !== "0" || frac !== "");
    return { negative: negative, whole: whole, frac: frac,
             text: (negative ? "-" : "") + whole + "." + frac };
  }

  function compareMagnitude(a, b) {
    if (a.whole.length !== b.whole.length) return a.whole.length < b.whole.length ? -1 : 1;
    if (a.whole !== b.whole) return a.whole < b.whole ? -1 : 1;
    if (a.frac !== b.frac) return a.frac < b.frac ? -1 : 1;
    return 0;
  }

  function compareNumbers(a, b) {
    if (a.negative !== b.negative) return a.negative ? -1 : 1;
    return a.negative ? compareMagnitude(b, a) : compareMagnitude(a, b);
  }

  function numbersPart(values, where) {
    var forms = values.map(function (value) {
      if (typeof value === "number" && Number.isSafeInteger(value)) value = String(value);
      if (typeof value !== "string") throw new Error(where + ": " + JSON.stringify(value) + " is not a number.");
      var parsed = parseNumber(value.normalize("NFKC").trim());
      if (!parsed) throw new Error(where + ": " + JSON.stringify(value) + " is not a decimal number.");
      return parsed;
    });
    if (!forms.length) throw new Error(where + " is empty.");
    forms.sort(compareNumbers);
    return forms.map(function (f) { return f.text; }).join("");
  }

  function sourcePart(source, number) {
    var where = "Source " + number;
    if (Array.isArray(source)) return numbersPart(source, where) + "/";
    if (typeof source === "number") return numbersPart([source], where) + "/";
    if (typeof source !== "string") throw new Error(where + ": give text or a list of numbers.");
    var tokens = source.normalize("NFKC").split(SPACE).filter(function (t) { return t !== ""; });
    if (!tokens.length) throw new Error(where + " is empty.");
    if (tokens.every(function (t) { return parseNumber(t) !== null; })) return numbersPart(tokens, where) + "/";
    return tokens.join(" ") + "/";
  }

  function canonicalKeyText(sources) {
    if (!Array.isArray(sources)) throw new Error("The sources must be a list (one item per public source).");
    if (!sources.length) throw new Error("At least one public source of randomness is needed.");
    return sources.map(function (s, i) { return sourcePart(s, i + 1); }).join("");
  }

  function bytesOf(text) { return utf8.encode(text); }

  /* ---------------------------------------------------------------- selection */

  function concat(parts) {
    var size = 0, i;
    for (i = 0; i < parts.length; i++) size += parts[i].length;
    var out = new Uint8Array(size), at = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
    return out;
  }

  /* The j-th hash input: counter(j) + key + counter(j), the counter 2 bytes big-endian, 4 from 65,536. */
  function hashInput(key, j) {
    var width = j < 65536 ? 2 : 4, out = new Uint8Array(key.length + 2 * width);
    for (var b = 0; b < width; b++) {
      var byte = Math.floor(j / Math.pow(256, width - 1 - b)) & 0xff;
      out[b] = byte;
      out[width + key.length + b] = byte;
    }
    out.set(key, width);
    return out;
  }

  /* The digest as a big-endian unsigned integer, modulo m. */
  function modulo(digest, m) {
    var i;
    if (m <= 1099511627776) {  // 2^40: r * 256 + 255 stays an exact double
      var r = 0;
      for (i = 0; i < digest.length; i++) r = (r * 256 + digest[i]) % m;
      return r;
    }
    var big = 0n, mod = BigInt(m);
    for (i = 0; i < digest.length; i++) big = (big * 256n + BigInt(digest[i])) % mod;
    return Number(big);
  }

  function checkCounts(poolSize, count, profile) {
    [["pool size", poolSize], ["count", count]].forEach(function (pair) {
      if (!Number.isSafeInteger(pair[1])) throw new Error("The " + pair[0] + " must be a whole number.");
      if (pair[1] < 0) throw new Error("The " + pair[0] + " must not be negative (" + pair[1] + ").");
    });
    if (count > poolSize) throw new Error("The count (" + count + ") is larger than the pool (" + poolSize + ").");
    if (count > profile.maxCount) {
      throw new Error("The " + profile.name + " profile makes at most " + profile.maxCount + " selections with one key.");
    }
  }

  /* 0-based positions, with a Fenwick tree of removed positions (as draw.py). */
  function draw(poolSize, count, key, profile) {
    var size = 1;
    while (size <= poolSize) size *= 2;
    var removed = new Int32Array(size + 1), top = size / 2, chosen = [];
    for (var j = 0; j < count; j++) {
      var rank = modulo(profile.hash(hashInput(key, j)), poolSize - j);
      var pos = 0;
      for (var step = top; step >= 1; step /= 2) {
        var free = step - removed[pos + step];
        if (free <= rank) { pos += step; rank -= free; }
      }
      chosen.push(pos);
      for (var i = pos + 1; i <= poolSize; i += i & -i) removed[i] += 1;
    }
    return chosen;
  }

  function stratumSalt(label) { return bytesOf("stratum:" + label + "/"); }
  function inspectorSalt(subject) { return bytesOf("inspectors:" + subject + "/"); }

  /* ---------------------------------------------------------------- inspectors */

  function bisectLeft(list, value) {
    var lo = 0, hi = list.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (list[mid] < value) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function Directory(rows) {
    var self = this;
    self.ids = []; self.regions = []; self.position = new Map(); self.byRegion = new Map(); self.others = new Map();
    rows.forEach(function (row, p) {
      if (!row || typeof row.id !== "string" || !row.id) throw new Error("Inspector " + (p + 1) + " has no id.");
      if (typeof row.region !== "string") throw new Error("Inspector " + JSON.stringify(row.id) + ": no region.");
      if (self.position.has(row.id)) throw new Error("Inspector " + JSON.stringify(row.id) + " appears twice.");
      self.ids.push(row.id); self.regions.push(row.region); self.position.set(row.id, p);
      if (!self.byRegion.has(row.region)) self.byRegion.set(row.region, []);
      self.byRegion.get(row.region).push(p);
    });
    self.everyone = self.ids.map(function (_id, p) { return p; });
  }

  Directory.prototype.base = function (rule, region) {
    if (rule === "any") return this.everyone;
    if (rule === "same") return this.byRegion.get(region) || [];
    if (!this.others.has(region)) {
      var regions = this.regions;
      this.others.set(region, this.everyone.filter(function (p) { return regions[p] !== region; }));
    }
    return this.others.get(region);
  };

  function pick(key, hash, base, skipped, k) {
    var eligible = base.length - skipped.length, picked = [];
    for (var j = 0; j < k; j++) {
      var idx = modulo(hash(hashInput(key, j)), eligible - j), at = 0;
      while (at < skipped.length && skipped[at] <= idx) { idx += 1; at += 1; }
      skipped.splice(at, 0, idx);
      picked.push(base[idx]);
    }
    return picked;
  }

  function drawInspectors(subjects, rows, key, perSubject, rule, profile) {
    if (REGION_RULES.indexOf(rule) < 0) throw new Error("Unknown region rule " + JSON.stringify(rule) + ".");
    if (!Number.isSafeInteger(perSubject) || perSubject < MIN_INSPECTORS) {
      throw new Error("At least " + MIN_INSPECTORS + " inspectors per subject.");
    }
    var book = new Directory(rows), seen = new Set();
    return subjects.map(function (subject) {
      if (seen.has(subject.id)) throw new Error("Subject " + JSON.stringify(subject.id) + " appears twice.");
      seen.add(subject.id);
      if (rule !== "any" && typeof subject.region !== "string") {
        throw new Error("Subject " + JSON.stringify(subject.id) + " has no region (the region rule is " + rule + ").");
      }
      var base = book.base(rule, subject.region), skip = new Set();
      subject.excluded.forEach(function (id) {
        var p = book.position.get(id);
        if (p === undefined) return;
        var region = book.regions[p];
        if (rule === "any" || (region === subject.region) === (rule === "same")) skip.add(bisectLeft(base, p));
      });
      var skipped = Array.from(skip).sort(function (a, b) { return a - b; });
      if (base.length - skipped.length < perSubject) {
        throw new Error("Subject " + JSON.stringify(subject.id) + ": " + (base.length - skipped.length) +
                        " eligible inspectors, " + perSubject + " needed (region rule " + rule + ").");
      }
      var picked = pick(concat([key, inspectorSalt(subject.id)]), profile.hash, base, skipped, perSubject);
      return [subject.id, picked.map(function (p) { return book.ids[p]; })];
    });
  }

  /* ---------------------------------------------------------------- the published plan */

  function only(obj, allowed, where) {
    var unknown = Object.keys(obj).filter(function (k) { return allowed.indexOf(k) < 0; }).sort();
    if (unknown.length) throw new Error(where + ": unknown field(s) " + unknown.join(", ") + ".");
  }

  function field(obj, name, kind, where) {
    if (!obj || typeof obj !== "object" || !(name in obj)) throw new Error(where + ": '" + name + "' is missing.");
    var value = obj[name];
    var ok = kind === "list" ? Array.isArray(value) : kind === "int" ? Number.isSafeInteger(value) :
      typeof value === kind;
    if (!ok) throw new Error(where + ": '" + name + "' has the wrong type.");
    return value;
  }

  function readStrata(plan) {
    var seen = new Set();
    return field(plan, "strata", "list", "The plan").map(function (stratum, n) {
      var where = "Stratum " + (n + 1);
      if (stratum && typeof stratum === "object") only(stratum, ["label", "count", "pool"], where);
      var label = field(stratum, "label", "string", where), pool = field(stratum, "pool", "list", where);
      var count = field(stratum, "count", "int", where);
      pool.forEach(function (entry, i) {
        if (typeof entry !== "string" || !entry) {
          throw new Error("Stratum " + JSON.stringify(label) + ", pool entry " + (i + 1) + ": must be non-empty text.");
        }
        if (seen.has(entry)) throw new Error("Stratum " + JSON.stringify(label) + ": " + JSON.stringify(entry) +
                                             " is in the pools twice.");
        seen.add(entry);
      });
      return { label: label, pool: pool, count: count };
    });
  }

  function readSubject(id, attributes) {
    var where = "Subject " + JSON.stringify(id);
    if (attributes === undefined || attributes === null) return { id: id, region: null, excluded: [] };
    if (typeof attributes !== "object" || Array.isArray(attributes)) throw new Error(where + ": must be an object.");
    only(attributes, ["region", "excluded"], where);
    var region = attributes.region === undefined ? null : attributes.region;
    var excluded = attributes.excluded === undefined ? [] : attributes.excluded;
    if (region !== null && typeof region !== "string") throw new Error(where + ": the region must be text.");
    if (!Array.isArray(excluded) || !excluded.every(function (i) { return typeof i === "string"; })) {
      throw new Error(where + ": 'excluded' must be a list of inspector ids.");
    }
    return { id: id, region: region, excluded: excluded };
  }

  function replayPlan(plan) {
    if (!plan || typeof plan !== "object" || Array.isArray(plan)) throw new Error("The plan must be a JSON object.");
    only(plan, ["version", "plan", "profile", "sources", "strata", "inspectors"], "The plan");
    if (plan.version !== VERSION) throw new Error("Unsupported plan version " + JSON.stringify(plan.version) + ".");
    var profile = profileNamed(field(plan, "profile", "string", "The plan"));
    var sources = field(plan, "sources", "list", "The plan");
    if (!sources.every(function (s) { return typeof s === "string"; })) {
      throw new Error("The plan: every source must be text, as it was published.");
    }
    var keyText = canonicalKeyText(sources), key = bytesOf(keyText), strata = readStrata(plan), labels = new Set();
    var result = { version: VERSION };
    if ("plan" in plan) result.plan = field(plan, "plan", "string", "The plan");
    result.profile = profile.name;
    result.key = keyText;
    result.strata = strata.map(function (s) {
      if (!s.label) throw new Error("A stratum's label must be non-empty text.");
      if (labels.has(s.label)) throw new Error("Stratum " + JSON.stringify(s.label) + " appears twice.");
      labels.add(s.label);
      try { checkCounts(s.pool.length, s.count, profile); } catch (e) {
        throw new Error("Stratum " + JSON.stringify(s.label) + ": " + e.message);
      }
      s.drawn = draw(s.pool.length, s.count, concat([key, stratumSalt(s.label)]), profile);
      return { label: s.label, pool_size: s.pool.length, count: s.count,
               positions: s.drawn.map(function (p) { return p + 1; }),
               selected: s.drawn.map(function (p) { return s.pool[p]; }) };
    });
    if ("inspectors" in plan) result.inspectors = inspectorsOf(plan.inspectors, strata, key, profile);
    return result;
  }

  function inspectorsOf(spec, strata, key, profile) {
    var where = "The plan's inspectors";
    if (!spec || typeof spec !== "object" || Array.isArray(spec)) throw new Error(where + " must be an object.");
    only(spec, ["per_subject", "region_rule", "directory", "subjects"], where);
    var rows = field(spec, "directory", "list", where).map(function (row, n) {
      if (row && typeof row === "object") only(row, ["id", "region"], "Inspector " + (n + 1));
      return { id: field(row, "id", "string", "Inspector " + (n + 1)),
               region: field(row, "region", "string", "Inspector " + (n + 1)) };
    });
    var attributes = spec.subjects === undefined ? {} : spec.subjects;
    if (!attributes || typeof attributes !== "object" || Array.isArray(attributes)) {
      throw new Error(where + ": 'subjects' must be an object.");
    }
    var order = [], stratumOf = new Map();
    strata.forEach(function (s) {
      s.drawn.forEach(function (p) { order.push(s.pool[p]); stratumOf.set(s.pool[p], s.label); });
    });
    var subjects = order.map(function (id) {
      return readSubject(id, Object.prototype.hasOwnProperty.call(attributes, id) ? attributes[id] : undefined);
    });
    var teams = drawInspectors(subjects, rows, key, field(spec, "per_subject", "int", where),
                               field(spec, "region_rule", "string", where), profile);
    return teams.map(function (t) { return { subject: t[0], stratum: stratumOf.get(t[0]), inspectors: t[1] }; });
  }

  /* ---------------------------------------------------------------- canonical JSON */

  function codePointCompare(a, b) {
    var x = Array.from(a), y = Array.from(b);
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      var d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d) return d;
    }
    return x.length - y.length;
  }

  function dumps(value) {
    if (Array.isArray(value)) return "[" + value.map(dumps).join(",") + "]";
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).sort(codePointCompare).map(function (k) {
        return JSON.stringify(k) + ":" + dumps(value[k]);
      }).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  /* ---------------------------------------------------------------- the page's functions */

  root.certinelCanonicalKey = canonicalKeyText;
  root.certinelDumps = dumps;
  root.certinelReplay = function (options) {
    return new Promise(function (resolve) {
      var profile = profileNamed(options.profile === undefined ? "sha256" : options.profile);
      if (!Array.isArray(options.pool)) throw new Error("The pool must be a list of entries.");
      checkCounts(options.pool.length, options.count, profile);
      var key = bytesOf(canonicalKeyText(options.sources));
      resolve(draw(options.pool.length, options.count, key, profile).map(function (p) { return p + 1; }));
    });
  };
  root.certinelReplayPublished = function (plan) {
    return new Promise(function (resolve) { resolve(replayPlan(plan)); });
  };
  root.certinelDrawInternals = { md5: md5, sha256: sha256, modulo: modulo };
})(typeof window !== "undefined" ? window : globalThis);
