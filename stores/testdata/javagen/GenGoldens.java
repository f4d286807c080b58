// GenGoldens writes the golden files under stores/*/testdata from real Kafka
// classes (JsonConverter with schemas.enable=false, Utils.murmur2, the config and
// status backing stores' own serializers). It is our own test tool, not Kafka
// code; see README.md next to it for how to run it.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.ConnectorStatus;
import org.apache.kafka.connect.runtime.TargetState;
import org.apache.kafka.connect.runtime.TaskStatus;
import org.apache.kafka.connect.runtime.TopicStatus;
import org.apache.kafka.connect.runtime.AbstractStatus;
import org.apache.kafka.connect.storage.KafkaConfigBackingStore;
import org.apache.kafka.connect.storage.KafkaStatusBackingStore;
import org.apache.kafka.connect.util.ConnectorTaskId;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

public class GenGoldens {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static JsonConverter valueConv;
    static JsonConverter keyConv;
    static Path root;

    public static void main(String[] args) throws Exception {
        root = Path.of(args[0]);
        valueConv = converter(false);
        keyConv = converter(true);
        if (args.length > 1 && args[1].equals("doubles")) {
            doubles(root.resolve("javajson/testdata"));
            return;
        }
        javajson();
        kafkalog();
        configstore();
        statusstore();
        offsetstore();
        System.out.println("Kafka " + AppInfoParser.getVersion() + ", Java " + System.getProperty("java.version"));
    }

    static JsonConverter converter(boolean isKey) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "false"), isKey);
        return c;
    }

    // ---------------------------------------------------------------- javajson

    // A typed description of a Java value, replayed by the Go tests:
    // {"s":str} {"l":"123"} {"d":"<raw bits hex>"} {"b":bool} null {"a":[..]}
    // {"m":[[k,v],..]} HashMap filled in that order, {"o":[[k,v],..]} LinkedHashMap.
    static Object build(JsonNode d) {
        if (d.isNull()) return null;
        String t = d.fieldNames().next();
        JsonNode v = d.get(t);
        switch (t) {
            case "s": return v.textValue();
            case "l": return Long.parseLong(v.textValue());
            case "d": return Double.longBitsToDouble(Long.parseUnsignedLong(v.textValue(), 16));
            case "b": return v.booleanValue();
            case "a": {
                List<Object> l = new ArrayList<>();
                for (JsonNode e : v) l.add(build(e));
                return l;
            }
            case "m":
            case "o": {
                Map<String, Object> m = t.equals("m") ? new HashMap<>() : new LinkedHashMap<>();
                for (JsonNode e : v) m.put(e.get(0).textValue(), build(e.get(1)));
                return m;
            }
            default: throw new IllegalArgumentException(t);
        }
    }

    static ObjectNode s(String x) { return F.objectNode().put("s", x); }
    static ObjectNode l(long x) { return F.objectNode().put("l", Long.toString(x)); }
    static ObjectNode d(double x) { return F.objectNode().put("d", Long.toHexString(Double.doubleToRawLongBits(x))); }
    static ObjectNode b(boolean x) { return F.objectNode().put("b", x); }
    static ObjectNode a(JsonNode... xs) { ObjectNode o = F.objectNode(); ArrayNode arr = o.putArray("a"); for (JsonNode x : xs) arr.add(x); return o; }
    static ObjectNode map(String kind, List<String> keys, List<JsonNode> vals) {
        ObjectNode o = F.objectNode();
        ArrayNode arr = o.putArray(kind);
        for (int i = 0; i < keys.size(); i++) arr.add(F.arrayNode().add(keys.get(i)).add(vals.get(i)));
        return o;
    }
    static ObjectNode hm(Object... kv) { return pairs("m", kv); }
    static ObjectNode lhm(Object... kv) { return pairs("o", kv); }
    static ObjectNode pairs(String kind, Object... kv) {
        List<String> keys = new ArrayList<>();
        List<JsonNode> vals = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) { keys.add((String) kv[i]); vals.add((JsonNode) kv[i + 1]); }
        return map(kind, keys, vals);
    }
    static ObjectNode hmKeys(List<String> keys) {
        List<JsonNode> vals = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) vals.add(l(i));
        return map("m", keys, vals);
    }

    static void javajson() throws IOException {
        Path dir = root.resolve("javajson/testdata");
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        Map<String, JsonNode> cases = new LinkedHashMap<>();

        StringBuilder ctl = new StringBuilder();
        for (char c = 0; c < 0x20; c++) ctl.append(c);
        ctl.append('\u007f');
        cases.put("string-control", s(ctl.toString()));
        cases.put("string-html", s("<script>&amp;</script> a/b 'q' \"dq\" back\\slash"));
        cases.put("string-unicode", s("é ü ß 中文 😀 \u2028\u2029 \ufffd \u00a0"));
        cases.put("string-empty", s(""));
        cases.put("long-zero", l(0));
        cases.put("long-neg", l(-1));
        cases.put("long-max", l(Long.MAX_VALUE));
        cases.put("long-min", l(Long.MIN_VALUE));
        cases.put("long-2p53p1", l((1L << 53) + 1));
        cases.put("bool-true", b(true));
        cases.put("bool-false", b(false));
        double[] doubles = {1.0, 1e10, 1e-5, 0.1, 123456789.0, 1e7, 9999999.0, 9999999.999, 1e-3, 0.001, 0.0009999,
            -0.0, 0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.234e-5, 100.0, 1e21, 1e22,
            1e23, Double.MIN_VALUE, 2 * Double.MIN_VALUE, 3 * Double.MIN_VALUE, Double.MAX_VALUE, Double.MIN_NORMAL,
            9.223372036854775807E18, 0.30000000000000004, 1.0 / 3, 2.0 / 3, 1e-7, 1e-4, 12345678.9, 1234567.0, -1.5,
            2.82879384806159E17, 1.9400994884341945E25, 5e-324, 1.0E-322, 4.35E-322, 2e-323, 123.456, 1e15, 1e16, 1e17};
        for (int i = 0; i < doubles.length; i++) cases.put("double-" + i, d(doubles[i]));
        cases.put("list-empty", a());
        cases.put("list-mixed", a(l(1), d(2.5), s("x"), b(true), NullNode(), a(l(2)), hm("k", s("v"))));
        cases.put("map-empty", hm());
        cases.put("map-one", hm("filename", s("/tmp/in.txt")));
        cases.put("map-sink-partition", hm("kafka_topic", s("t"), "kafka_partition", l(3)));
        cases.put("map-sink-partition-rev", hm("kafka_partition", l(3), "kafka_topic", s("t")));
        cases.put("map-null-value", hm("a", NullNode(), "b", s("x")));
        cases.put("map-dup-put", hm("a", l(1), "b", l(2), "a", l(3)));
        cases.put("map-nested", hm("outer", hm("x", l(1), "y", a(d(1.0), hm("z", s("deep"))))));
        cases.put("linked-map", lhm("zeta", l(1), "alpha", l(2), "mid", l(3)));
        cases.put("map-unicode-keys", hm("😀", l(1), "é", l(2), "中", l(3), "a😀b", l(4), "\ud83d\ude01x", l(5)));
        for (int n : new int[]{12, 13, 24, 25, 48, 49, 97, 200, 1000}) {
            cases.put("map-seq-" + n, hmKeys(seqKeys(n)));
        }
        Random rnd = new Random(42);
        for (int i = 0; i < 6; i++) cases.put("map-random-" + i, hmKeys(randomKeys(rnd, 5 + rnd.nextInt(300))));
        cases.put("map-collide-9", hmKeys(collidingFamily(9)));
        cases.put("map-collide-16", hmKeys(collidingFamily(16)));
        cases.put("map-collide-16-reversed", hmKeys(reversed(collidingFamily(16))));
        List<String> big = new ArrayList<>(collidingFamily(32));
        big.addAll(seqKeys(100));
        cases.put("map-collide-32-then-100", hmKeys(big));
        List<String> mixed = new ArrayList<>(seqKeys(60));
        mixed.addAll(collidingFamily(20));
        cases.put("map-60-then-collide-20", hmKeys(mixed));
        for (int[] split : new int[][]{{7, 7}, {10, 3}, {3, 10}, {6, 6}, {9, 0}, {0, 9}, {12, 12}}) {
            for (int seed = 0; seed < 3; seed++) {
                cases.put("map-split-" + split[0] + "-" + split[1] + "-" + seed, hmKeys(splitScenario(new Random(seed * 31 + split[0] * 7 + split[1]), split[0], split[1])));
            }
        }

        for (Map.Entry<String, JsonNode> e : cases.entrySet()) {
            byte[] out = valueConv.fromConnectData("t", null, build(e.getValue()));
            ObjectNode line = F.objectNode();
            line.put("name", e.getKey());
            line.set("in", e.getValue());
            line.put("out", new String(out, StandardCharsets.UTF_8));
            lines.add(MAPPER.writeValueAsString(line));
        }
        Files.write(dir.resolve("encode-jdk" + Runtime.version().feature() + ".jsonl"), lines);

        doubles(dir);
        decode(dir);
    }

    static JsonNode NullNode() { return F.nullNode(); }

    static List<String> reversed(List<String> l) { List<String> r = new ArrayList<>(l); Collections.reverse(r); return r; }

    static List<String> seqKeys(int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) keys.add("key." + i);
        return keys;
    }

    static List<String> randomKeys(Random rnd, int n) {
        Set<String> keys = new LinkedHashSet<>();
        String alphabet = "abcdefghijklmnopqrstuvwxyz._-ABCXYZ0123456789éü中😀";
        int[] cps = alphabet.codePoints().toArray();
        while (keys.size() < n) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + rnd.nextInt(20);
            for (int i = 0; i < len; i++) sb.appendCodePoint(cps[rnd.nextInt(cps.length)]);
            keys.add(sb.toString());
        }
        return new ArrayList<>(keys);
    }

    // 2^k strings built from "Aa" and "BB", which share String.hashCode.
    static List<String> collidingFamily(int n) {
        List<String> out = new ArrayList<>();
        int bits = 0;
        while ((1 << bits) < n) bits++;
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder("p");
            for (int j = bits - 1; j >= 0; j--) sb.append(((i >> j) & 1) == 0 ? "Aa" : "BB");
            out.add(sb.toString());
        }
        return out;
    }

    static int spread(String k) { int h = k.hashCode(); return h ^ (h >>> 16); }

    // Keys sharing the low 6 hash bits (one bin at capacity 64), lo of them with
    // bit 6 clear and hi with it set, shuffled, followed by filler keys that force
    // a resize to 128, so the tree bin is split.
    static List<String> splitScenario(Random rnd, int lo, int hi) {
        int target = rnd.nextInt(64);
        List<String> los = new ArrayList<>(), his = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (los.size() < lo || his.size() < hi) {
            String k = "k" + Long.toString(rnd.nextLong() & Long.MAX_VALUE, 36);
            if (!seen.add(k)) continue;
            int h = spread(k);
            if ((h & 63) != target) continue;
            if ((h & 64) == 0 && los.size() < lo) los.add(k);
            else if ((h & 64) != 0 && his.size() < hi) his.add(k);
        }
        List<String> bin = new ArrayList<>(los);
        bin.addAll(his);
        Collections.shuffle(bin, rnd);
        List<String> out = new ArrayList<>(bin);
        while (out.size() < 60) {
            String k = "f" + out.size();
            if ((spread(k) & 63) != target) out.add(k);
        }
        return out;
    }

    static void doubles(Path dir) throws IOException {
        Random rnd = new Random(7);
        List<Double> ds = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            double v = Double.longBitsToDouble(rnd.nextLong());
            if (!Double.isNaN(v)) ds.add(v);
        }
        for (int i = 0; i < 4000; i++) {
            long digits = rnd.nextInt(1 + (int) Math.pow(10, 1 + rnd.nextInt(8)));
            int exp = rnd.nextInt(40) - 20;
            ds.add(Double.parseDouble(digits + "E" + exp));
        }
        for (int e = -325; e <= 308; e++) ds.add(Double.parseDouble("1E" + e));
        for (double edge : new double[]{1e-3, 1e7}) {
            ds.add(Math.nextDown(edge));
            ds.add(Math.nextUp(edge));
        }
        for (long bits = 1; bits < 200; bits++) ds.add(Double.longBitsToDouble(bits));
        List<String> lines = new ArrayList<>();
        for (double v : ds) {
            byte[] out = valueConv.fromConnectData("t", null, v);
            lines.add(Long.toHexString(Double.doubleToRawLongBits(v)) + " " + new String(out, StandardCharsets.UTF_8));
        }
        Files.write(dir.resolve("doubles-jdk" + Runtime.version().feature() + ".txt"), lines);
    }

    // Decode cases: bytes = prefix + unit*count + suffix. Java's verdict is
    // whether JsonConverter.toConnectData accepts the bytes; when it does, "out"
    // is what fromConnectData writes for the value it read (null: no bytes).
    static void decode(Path dir) throws IOException {
        List<String[]> cases = new ArrayList<>();
        String[] small = {
            "", " ", " \n\t\r ", "null", " null ", "true", "false", "0", "-0", "-0.0", "0.0", "1", "-1", "01", "00", "-01",
            "007", "00.5", "0.5", "-00.5", "1.", ".5", "-", "+1", "1e", "1e+", "1e5", "1E5", "1e-5", "1.5e+3", "0x10",
            "1_0", "NaN", "Infinity", "-Infinity", "9223372036854775807", "9223372036854775808",
            "18446744073709551617", "-9223372036854775809", "1e400", "-1e400", "1e-400", "4.9e-324", "123abc",
            "123 abc", "123,", "1]", "1}", "[1]x", "{}x", "{}}", "{} {", "\"a\" \"b\"", "truex", "true}", "true]",
            "true ", "nul", "null1", "[true1]", "[1x]", "[1.5.3]", "[01]", "[-]", "{\"a\":1,\"a\":2}",
            "{\"b\":1,\"a\":2,\"b\":3}", "{\"a\":1,}", "[1,]", "[,1]", "{,}", "{\"a\"}", "{\"a\":}", "{a:1}",
            "{'a':1}", "['a']", "/* c */ 1", "// c\n1", "# c\n1", "[1 2]", "{\"a\":1 \"b\":2}", "{\"a\":",
            "[", "{", "\"abc", "\"a\\x\"", "\"a\\'\"", "\"a\\/b\"", "\"\\u00e9\"", "\"\\u00E9\"", "\"\\u12\"",
            "\"\\uD800\"", "\"\\uD83D\\uDE00\"", "\"\\uDE00\\uD83D\"", "\"tab\there\"", "\"nl\nhere\"",
            "\"del\u007fhere\"", "{\"a\\nb\":1}", "[1,[2,[3,{\"x\":[]}]]]", "{\"properties\":{\"k\":null}}",
            "{\"tasks\":3}", "{\"tasks\":3.0}", "{\"tasks\":3e0}", "\"\\u0000\"", "[1.0,1.5,100,1e2,1.0E2]",
            "{\"d\":0.1,\"e\":1E-7,\"f\":12345678.9}", "{\"kafka_topic\":\"t\",\"kafka_partition\":3}",
            "{\"kafka_partition\":3,\"kafka_topic\":\"t\"}", " \n{\"a\" : [ 1 , 2 ] }\n ", "[] ]", "{}\u0000",
            "1\u0000", "\u0000", "\u000b1", "\f1", "1\f", "[1\f]", "\u00a01", "-1.5E-3", "-1.5e+03", "1.5E03",
            "123456789012345678901234567890", "0.000000000000000000000000000001", "[-0]", "[-0.0]", "[1e1]",
            "\"\u0001\"", "\"\u001f\"", "\"\u007f\"", "{\"\u0001\":1}",
            "-1e-400", "-0e5", "-0.0e-5", "0e99999", "1e2147483647", "1e2147483648", "1e-2147483648",
            "1e-2147483649", "1.5e-2147483647", "1.5e-2147483646", "10e2147483647", "0.1e-2147483648",
            "1e00000000000000000001", "1e99999999999", "1e9999999999", "1e-9999999999", "1e0000000000002147483647",
            "\"a\"x", "00 x", "-00", "-0x", "true:", "true\u007f", "true\u00e9", "true\ud83d\ude00", "true\u00a0",
            "null_", "null$", "null-", "[true\u0000]", "[true,false,null]", "{\"a\":true}", "{\"a\":truex}",
            "[1]\n", "1\n", "1\r", "1\t", "1 ", "1.5 x", "1.5x", "1e5x", "-5 ", "\"\\u00\"", "\"\\uZZZZ\"",
            "\"\\b\\f\\n\\r\\t\\\"\\\\\"", "{\"\\u0041\":1}", "{\"a\" : 1 , \"b\" :2}", "{ }", "[ ]",
            "{\"a\":[}", "[}", "{]", "{\"a\":1]", "[1}", "{\"a\"::1}", "{\"a\":1,,\"b\":2}", "[1,,2]",
        };
        for (String s : small) cases.add(new String[]{hex(s.getBytes(StandardCharsets.UTF_8)), "", "0", ""});
        String[][] raw = {
            {"efbbbf7b7d", "bom-utf8"}, {"efbbbf", "bom-only"}, {"22ff22", "invalid-utf8-ff"},
            {"22c08022", "overlong-nul"}, {"22c1bf22", "overlong-c1"}, {"22eda08022", "utf8-surrogate"},
            {"22f490808022", "above-10ffff"}, {"22f880808080800022", "f8-lead"}, {"22e28022", "truncated-3"},
            {"22802022", "lone-continuation"}, {"22c3a922", "e-acute"}, {"22c322", "truncated-2"},
            {"7b22ff223a317d", "invalid-utf8-name"}, {"7b22c080223a317d", "overlong-name"},
            {"ff", "ff-root"}, {"5b315dff", "ff-trailing"}, {"007b007d", "utf16be"}, {"7b007d00", "utf16le"},
            {"feff007b007d", "utf16be-bom"}, {"22f09f988022", "emoji"}, {"22f09f9822", "truncated-4"},
            {"22e0808022", "overlong-3"}, {"22f080808022", "overlong-4"}, {"22efbfbf22", "uffff"},
            {"22f7bfbfbf22", "f7-lead"}, {"22f5808080", "f5-unterminated"}, {"efbbbf20", "bom-space"},
            {"efbbbf31", "bom-digit"}, {"efbbbf7b", "bom-open"}, {"7472756586", "true-continuation"},
            {"74727565ff", "true-ff"}, {"74727565c3", "true-truncated"}, {"74727565e4b8ad", "true-cjk"},
            {"74727565f09f9880", "true-emoji"}, {"0000feff0000007b0000007d", "utf32be-bom"},
            {"7b000000", "utf32le"}, {"0000007b", "utf32be"}, {"fffe7b007d00", "utf16le-bom"},
            {"007b", "utf16-2"}, {"31", "one-digit"}, {"3100", "utf16le-2"}, {"0000", "nul-nul"},
            {"7b2261223ac380", "truncated-after-name"}, {"5b22c3a9225d", "array-e-acute"},
        };
        for (String[] r : raw) cases.add(new String[]{r[0], "", "0", ""});
        // Limits (Jackson's StreamReadConstraints).
        for (int depth : new int[]{499, 500, 501, 999, 1000, 1001}) {
            cases.add(new String[]{"", hex("["), Integer.toString(depth), hex("]".repeat(depth))});
            cases.add(new String[]{"", hex("{\"a\":"), Integer.toString(depth), hex("1" + "}".repeat(depth))});
        }
        for (int n : new int[]{999, 1000, 1001}) {
            cases.add(new String[]{"", hex("1"), Integer.toString(n), ""});
            cases.add(new String[]{hex("-"), hex("1"), Integer.toString(n), ""});
            cases.add(new String[]{hex("0."), hex("1"), Integer.toString(n), ""});
            cases.add(new String[]{hex("1."), hex("1"), Integer.toString(n - 2), ""});
            cases.add(new String[]{hex("["), hex("1"), Integer.toString(n), hex("]")});
            cases.add(new String[]{hex("1e"), hex("1"), Integer.toString(n), ""});
        }
        for (int n : new int[]{49999, 50000, 50001}) {
            cases.add(new String[]{hex("{\""), hex("a"), Integer.toString(n), hex("\":1}")});
        }
        cases.add(new String[]{"", hex("0"), "1500", hex("1")});
        cases.add(new String[]{hex("-"), hex("0"), "1500", hex("5")});
        cases.add(new String[]{"", hex("0"), "1500", hex(".5")});
        cases.add(new String[]{"", hex("0"), "1500", hex("1" + "2".repeat(999) + ".5")});
        cases.add(new String[]{"", hex("1"), "600", hex("e2147483647")});
        cases.add(new String[]{"", hex("1"), "600", hex("e2147483648")});
        cases.add(new String[]{"", hex("1"), "600", hex("e2147484247")});
        cases.add(new String[]{"", hex("1"), "600", hex("e2147484248")});
        cases.add(new String[]{hex("0."), hex("1"), "600", hex("e-2147483048")});
        cases.add(new String[]{hex("0."), hex("1"), "600", hex("e-2147483049")});
        cases.add(new String[]{hex("1."), hex("1"), "600", hex("e-2147483048")});
        cases.add(new String[]{hex("1."), hex("1"), "600", hex("e-2147483049")});
        cases.add(new String[]{"", hex("1"), "600", hex("e99999999999")});
        cases.add(new String[]{"", hex("1"), "600", hex("e-400")});
        cases.add(new String[]{"", hex("1"), "600", hex(".5e-1000")});
        for (int n : new int[]{24999, 25000, 25001}) {
            cases.add(new String[]{hex("{\""), hex("é"), Integer.toString(n), hex("\":1}")});
        }
        cases.add(new String[]{hex("{\""), hex("a"), "49990", hex("\\u00e9\\u00e9\\u00e9\\u00e9\":1}")});
        cases.add(new String[]{hex("{\""), hex("a"), "49990", hex("\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\":1}")});
        cases.add(new String[]{hex("\""), "f09f9880", "10000000", hex("\"")});
        cases.add(new String[]{hex("\""), "f09f9880", "10000000", hex("a\"")});
        cases.add(new String[]{hex("\""), hex("\\u00e9"), "20000000", hex("\"")});
        cases.add(new String[]{hex("\""), hex("\\u00e9"), "20000000", hex("a\"")});
        for (int n : new int[]{19999999, 20000000, 20000001}) {
            cases.add(new String[]{hex("\""), hex("a"), Integer.toString(n), hex("\"")});
        }

        List<String> lines = new ArrayList<>();
        for (String[] c : cases) {
            byte[] in = assemble(c);
            ObjectNode line = F.objectNode();
            line.put("prefix", c[0]).put("unit", c[1]).put("count", Integer.parseInt(c[2])).put("suffix", c[3]);
            try {
                SchemaAndValue sv = valueConv.toConnectData("t", in);
                line.put("ok", true);
                byte[] out = valueConv.fromConnectData("t", null, sv.value());
                if (out == null) line.putNull("out");
                else if (out.length > 4096) line.put("out_len", out.length);
                else line.put("out", new String(out, StandardCharsets.UTF_8));
            } catch (Exception e) {
                line.put("ok", false);
                String msg = String.valueOf(rootCause(e).getMessage());
                line.put("error", msg.length() > 160 ? msg.substring(0, 160) : msg);
            }
            lines.add(MAPPER.writeValueAsString(line));
        }
        Files.write(dir.resolve("decode-jdk" + Runtime.version().feature() + ".jsonl"), lines);
    }

    static Throwable rootCause(Throwable t) { while (t.getCause() != null) t = t.getCause(); return t; }

    static byte[] assemble(String[] c) {
        byte[] prefix = unhex(c[0]), unit = unhex(c[1]), suffix = unhex(c[3]);
        int count = Integer.parseInt(c[2]);
        byte[] out = new byte[prefix.length + unit.length * count + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        for (int i = 0; i < count; i++) System.arraycopy(unit, 0, out, prefix.length + i * unit.length, unit.length);
        System.arraycopy(suffix, 0, out, prefix.length + unit.length * count, suffix.length);
        return out;
    }

    static String hex(String s) { return hex(s.getBytes(StandardCharsets.UTF_8)); }
    static String hex(byte[] b) { StringBuilder sb = new StringBuilder(); for (byte x : b) sb.append(String.format("%02x", x)); return sb.toString(); }
    static byte[] unhex(String s) { byte[] b = new byte[s.length() / 2]; for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16); return b; }

    // ---------------------------------------------------------------- kafkalog

    static void kafkalog() throws IOException {
        Path dir = root.resolve("kafkalog/testdata");
        Files.createDirectories(dir);
        List<byte[]> keys = new ArrayList<>();
        for (String s : new String[]{"", "a", "ab", "abc", "abcd", "abcde", "connector-foo", "status-task-c-0",
                "status-connector-c", "status-topic-orders:connector-c", "commit-c", "connector-ü",
                "😀", "connector-中文-😀", "[\"file-source\",{\"filename\":\"/tmp/in.txt\"}]",
                "[\"sink\",{\"kafka_partition\":3,\"kafka_topic\":\"t\"}]"}) {
            keys.add(s.getBytes(StandardCharsets.UTF_8));
        }
        byte[] kib = new byte[1024];
        for (int i = 0; i < kib.length; i++) kib[i] = (byte) ('a' + i % 26);
        keys.add(kib);
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        keys.add(all);
        Random rnd = new Random(99);
        for (int i = 0; i < 200; i++) {
            byte[] k = new byte[rnd.nextInt(70)];
            rnd.nextBytes(k);
            keys.add(k);
        }
        List<String> lines = new ArrayList<>();
        lines.add("# key-hex murmur2 toPositive p1 p5 p25 p50");
        for (byte[] k : keys) {
            int h = Utils.murmur2(k);
            lines.add((k.length == 0 ? "-" : hex(k)) + " " + h + " " + Utils.toPositive(h) + " "
                + BuiltInPartitioner.partitionForKey(k, 1) + " " + BuiltInPartitioner.partitionForKey(k, 5) + " "
                + BuiltInPartitioner.partitionForKey(k, 25) + " " + BuiltInPartitioner.partitionForKey(k, 50));
        }
        Files.write(dir.resolve("murmur2.txt"), lines);
    }

    // ---------------------------------------------------------------- configstore

    // The real constructor contacts a broker, so the store is allocated bare and
    // given just the two fields serializeTargetState reads.
    static KafkaConfigBackingStore configStore() throws Exception {
        Field unsafeField = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
        unsafeField.setAccessible(true);
        Object unsafe = unsafeField.get(null);
        Method allocate = unsafe.getClass().getMethod("allocateInstance", Class.class);
        KafkaConfigBackingStore store = (KafkaConfigBackingStore) allocate.invoke(unsafe, KafkaConfigBackingStore.class);
        setField(store, "converter", valueConv);
        setField(store, "topic", "connect-configs");
        return store;
    }

    static void setField(Object target, String name, Object value) throws Exception {
        Field f = target.getClass().getDeclaredField(name);
        f.setAccessible(true);
        f.set(target, value);
    }

    static Map<String, String> sortedHashMap(String... kv) {
        TreeMap<String, String> sorted = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) sorted.put(kv[i], kv[i + 1]);
        Map<String, String> m = new HashMap<>();
        for (Map.Entry<String, String> e : sorted.entrySet()) m.put(e.getKey(), e.getValue());
        return m;
    }

    static void write(Path dir, String name, byte[] bytes) throws IOException {
        if (bytes == null) throw new IllegalStateException(name + ": tombstone");
        Files.write(dir.resolve(name), bytes);
    }

    static void configstore() throws Exception {
        Path dir = root.resolve("configstore/testdata");
        Files.createDirectories(dir);
        String topic = "connect-configs";
        Map<String, String> connector = sortedHashMap(
            "name", "file-source", "connector.class", "FileStreamSource", "tasks.max", "3",
            "file", "/tmp/in.txt", "topic", "lines", "transforms", "a,b",
            "transforms.a.type", "org.apache.kafka.connect.transforms.InsertField$Value",
            "transforms.a.static.field", "origin", "transforms.a.static.value", "<go> & \"java\" / ü 😀",
            "transforms.b.type", "org.apache.kafka.connect.transforms.TimestampRouter",
            "value.converter.schemas.enable", "false", "errors.tolerance", "all", "consumer.override.max.poll.records", "50");
        connector.put("nullable", null);
        Struct cs = new Struct(KafkaConfigBackingStore.CONNECTOR_CONFIGURATION_V0).put("properties", connector);
        write(dir, "connector-config.json", valueConv.fromConnectData(topic, KafkaConfigBackingStore.CONNECTOR_CONFIGURATION_V0, cs));

        Map<String, String> task = sortedHashMap("task.class", "org.apache.kafka.connect.file.FileStreamSourceTask",
            "file", "/tmp/in.txt", "topic", "lines", "batch.size", "2000", "multi\nline", "tab\there");
        Struct ts = new Struct(KafkaConfigBackingStore.TASK_CONFIGURATION_V0).put("properties", task);
        write(dir, "task-config.json", valueConv.fromConnectData(topic, KafkaConfigBackingStore.TASK_CONFIGURATION_V0, ts));

        Struct empty = new Struct(KafkaConfigBackingStore.CONNECTOR_CONFIGURATION_V0).put("properties", new HashMap<String, String>());
        write(dir, "connector-config-empty.json", valueConv.fromConnectData(topic, KafkaConfigBackingStore.CONNECTOR_CONFIGURATION_V0, empty));

        Struct commit = new Struct(KafkaConfigBackingStore.CONNECTOR_TASKS_COMMIT_V0).put("tasks", 3);
        write(dir, "commit.json", valueConv.fromConnectData(topic, KafkaConfigBackingStore.CONNECTOR_TASKS_COMMIT_V0, commit));
        Struct commit0 = new Struct(KafkaConfigBackingStore.CONNECTOR_TASKS_COMMIT_V0).put("tasks", 0);
        write(dir, "commit-zero.json", valueConv.fromConnectData(topic, KafkaConfigBackingStore.CONNECTOR_TASKS_COMMIT_V0, commit0));

        KafkaConfigBackingStore store = configStore();
        Method targetState = KafkaConfigBackingStore.class.getDeclaredMethod("serializeTargetState", TargetState.class);
        targetState.setAccessible(true);
        for (TargetState s : TargetState.values()) {
            write(dir, "target-state-" + s.name().toLowerCase(Locale.ROOT) + ".json", (byte[]) targetState.invoke(store, s));
        }

        Struct fencing = new Struct(KafkaConfigBackingStore.TASK_COUNT_RECORD_V0).put("task-count", 7);
        write(dir, "tasks-fencing.json", valueConv.fromConnectData(topic, KafkaConfigBackingStore.TASK_COUNT_RECORD_V0, fencing));

        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) key[i] = (byte) (i * 7 + 3);
        Struct session = new Struct(KafkaConfigBackingStore.SESSION_KEY_V0)
            .put("key", Base64.getEncoder().encodeToString(key))
            .put("algorithm", "HmacSHA256")
            .put("creation-timestamp", 1700000000123L);
        write(dir, "session-key.json", valueConv.fromConnectData(topic, KafkaConfigBackingStore.SESSION_KEY_V0, session));

        for (boolean includeTasks : new boolean[]{false, true}) {
            for (boolean onlyFailed : new boolean[]{false, true}) {
                Struct r = new Struct(KafkaConfigBackingStore.RESTART_REQUEST_V0)
                    .put("include-tasks", includeTasks).put("only-failed", onlyFailed);
                write(dir, "restart-" + includeTasks + "-" + onlyFailed + ".json",
                    valueConv.fromConnectData(topic, KafkaConfigBackingStore.RESTART_REQUEST_V0, r));
            }
        }
        Struct level = new Struct(KafkaConfigBackingStore.LOGGER_LEVEL_V0).put("level", "DEBUG");
        write(dir, "logger-level.json", valueConv.fromConnectData(topic, KafkaConfigBackingStore.LOGGER_LEVEL_V0, level));
    }

    // ---------------------------------------------------------------- statusstore

    static void statusstore() throws Exception {
        Path dir = root.resolve("statusstore/testdata");
        Files.createDirectories(dir);
        KafkaStatusBackingStore store = new KafkaStatusBackingStore(Time.SYSTEM, valueConv, () -> null, "gen");
        Method serialize = KafkaStatusBackingStore.class.getDeclaredMethod("serialize", AbstractStatus.class);
        serialize.setAccessible(true);
        Method topic = KafkaStatusBackingStore.class.getDeclaredMethod("serializeTopicStatus", TopicStatus.class);
        topic.setAccessible(true);

        String trace = "org.apache.kafka.connect.errors.ConnectException: boom <&>\n\tat x.y.Z.run(Z.java:42)\n\tat \"quoted\" ü";
        write(dir, "connector-running.json", (byte[]) serialize.invoke(store,
            new ConnectorStatus("c", AbstractStatus.State.RUNNING, "host:8083", 7, null)));
        write(dir, "connector-running-version.json", (byte[]) serialize.invoke(store,
            new ConnectorStatus("c", AbstractStatus.State.RUNNING, "host:8083", 7, "4.1.1")));
        write(dir, "connector-failed.json", (byte[]) serialize.invoke(store,
            new ConnectorStatus("c", AbstractStatus.State.FAILED, trace, "10.0.0.1:8083", 12, "1.0")));
        write(dir, "connector-stopped.json", (byte[]) serialize.invoke(store,
            new ConnectorStatus("c", AbstractStatus.State.STOPPED, "host:8083", 0, null)));
        write(dir, "task-unassigned.json", (byte[]) serialize.invoke(store,
            new TaskStatus(new ConnectorTaskId("c", 0), AbstractStatus.State.UNASSIGNED, "host:8083", 2147483647, null, null)));
        write(dir, "task-paused.json", (byte[]) serialize.invoke(store,
            new TaskStatus(new ConnectorTaskId("c", 1), AbstractStatus.State.PAUSED, "host:8083", 3, null, "2.0")));
        write(dir, "task-restarting.json", (byte[]) serialize.invoke(store,
            new TaskStatus(new ConnectorTaskId("c", 1), AbstractStatus.State.RESTARTING, "host:8083", -1, null, null)));
        write(dir, "task-failed.json", (byte[]) serialize.invoke(store,
            new TaskStatus(new ConnectorTaskId("c", 2), AbstractStatus.State.FAILED, "h:1", 5, trace, null)));
        write(dir, "topic.json", (byte[]) topic.invoke(store, new TopicStatus("orders", "c", 3, 1700000000123L)));
        if (topic.invoke(store, (Object) null) != null) throw new IllegalStateException("topic tombstone");
    }

    // ---------------------------------------------------------------- offsetstore

    static void offsetstore() throws IOException {
        Path dir = root.resolve("offsetstore/testdata");
        Files.createDirectories(dir);
        offset(dir, "file-source", "file-source", Collections.singletonMap("filename", "/tmp/in.txt"),
            Collections.singletonMap("position", 1234L));
        Map<String, Object> sink = new HashMap<>();
        sink.put("kafka_topic", "orders");
        sink.put("kafka_partition", 3L);
        Map<String, Object> sinkOffset = new HashMap<>();
        sinkOffset.put("kafka_offset", 42L);
        offset(dir, "sink-shape", "sink", sink, sinkOffset);
        Map<String, Object> mixed = new HashMap<>();
        mixed.put("server", "db-1");
        mixed.put("ratio", 0.25);
        mixed.put("snapshot", true);
        mixed.put("gone", null);
        mixed.put("ü😀", "<>&/\n");
        Map<String, Object> mixedOffset = new HashMap<>();
        mixedOffset.put("lsn", 9007199254740993L);
        mixedOffset.put("ts", 1.0E10);
        mixedOffset.put("txId", "abc");
        mixedOffset.put("last", false);
        offset(dir, "mixed", "cdc-source", mixed, mixedOffset);
        Map<String, Object> wide = new HashMap<>();
        Map<String, Object> wideOffset = new HashMap<>();
        for (int i = 0; i < 13; i++) {
            wide.put("field" + i, (long) i);
            wideOffset.put("o" + i, "v" + i);
        }
        offset(dir, "wide", "wide", wide, wideOffset);
        offset(dir, "null-partition", "c", null, Collections.singletonMap("position", 1L));
        offset(dir, "empty-partition", "c", new HashMap<>(), Collections.singletonMap("position", 0L));
    }

    static void offset(Path dir, String name, String connector, Map<String, Object> partition, Map<String, Object> offset) throws IOException {
        write(dir, name + ".key.json", keyConv.fromConnectData("connect-offsets", null, Arrays.asList(connector, partition)));
        write(dir, name + ".value.json", valueConv.fromConnectData("connect-offsets", null, offset));
    }
}
