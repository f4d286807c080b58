// ApplyHarness feeds config-topic records to a real KafkaConfigBackingStore
// (its private ConsumeCallback, through reflection, no broker) and prints the
// resulting ClusterConfigState, so configstore's Snapshot.Apply can be
// compared with Java's. Input and output formats: configstore/apply_test.go.
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.RestartRequest;
import org.apache.kafka.connect.runtime.TargetState;
import org.apache.kafka.connect.storage.ClusterConfigState;
import org.apache.kafka.connect.storage.ConfigBackingStore;
import org.apache.kafka.connect.storage.KafkaConfigBackingStore;
import org.apache.kafka.connect.util.Callback;
import org.apache.kafka.connect.util.ConnectorTaskId;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

public class ApplyHarness {
    static class Listener implements ConfigBackingStore.UpdateListener {
        final Map<String, RestartRequest> restarts = new TreeMap<>();
        final Map<String, String> loggers = new TreeMap<>();
        public void onConnectorConfigRemove(String c) {}
        public void onConnectorConfigUpdate(String c) {}
        public void onTaskConfigUpdate(Collection<ConnectorTaskId> t) {}
        public void onConnectorTargetStateChange(String c) {}
        public void onSessionKeyUpdate(org.apache.kafka.connect.runtime.SessionKey k) {}
        public void onRestartRequest(RestartRequest r) {
            // DistributedHerder keeps the highest-impact pending request.
            restarts.merge(r.connectorName(), r, (old, in) -> in.compareTo(old) > 0 ? in : old);
        }
        public void onLoggingLevelUpdate(String ns, String level) { loggers.put(ns, level); }
    }

    public static void main(String[] args) throws Exception {
        List<String> out = new ArrayList<>();
        KafkaConfigBackingStore store = null;
        Callback<ConsumerRecord<String, byte[]>> callback = null;
        Listener listener = null;
        long offset = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "scenario":
                    store = newStore();
                    listener = new Listener();
                    store.setUpdateListener(listener);
                    callback = callback(store);
                    offset = 0;
                    out.add(line);
                    break;
                case "live":
                    set(store, "started", true);
                    break;
                case "rec":
                    String key = new String(HexFormat.of().parseHex(f[1]), "UTF-8");
                    byte[] value = f[2].equals("-") ? null : HexFormat.of().parseHex(f[2].substring(1));
                    try {
                        callback.onCompletion(null, new ConsumerRecord<>("connect-configs", 0, offset, key, value));
                    } catch (RuntimeException e) {
                        // Java drops the rest of its poll batch here; the record itself changed nothing.
                    }
                    offset++;
                    break;
                case "end":
                    dump(store.snapshot(), listener, out);
                    out.add("end");
                    break;
                default:
                    throw new IllegalArgumentException(line);
            }
        }
        Files.write(Path.of(args[1]), out);
    }

    // The constructor asks a broker for the cluster id, so the store is
    // allocated bare and given the fields its consumer callback uses, with the
    // values the constructor and field initializers would give them.
    static KafkaConfigBackingStore newStore() throws Exception {
        Field unsafeField = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
        unsafeField.setAccessible(true);
        Object unsafe = unsafeField.get(null);
        KafkaConfigBackingStore store = (KafkaConfigBackingStore) unsafe.getClass()
            .getMethod("allocateInstance", Class.class).invoke(unsafe, KafkaConfigBackingStore.class);
        for (Field f : KafkaConfigBackingStore.class.getDeclaredFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) continue;
            f.setAccessible(true);
            if (f.getType() == Map.class) f.set(store, new HashMap<>());
            else if (f.getType() == Set.class) f.set(store, new HashSet<>());
        }
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false"), false);
        set(store, "lock", new Object());
        set(store, "converter", converter);
        set(store, "topic", "connect-configs");
        set(store, "offset", -1L);
        return store;
    }

    @SuppressWarnings("unchecked")
    static Callback<ConsumerRecord<String, byte[]>> callback(KafkaConfigBackingStore store) throws Exception {
        Class<?> cls = Class.forName("org.apache.kafka.connect.storage.KafkaConfigBackingStore$ConsumeCallback");
        Constructor<?> ctor = cls.getDeclaredConstructor(KafkaConfigBackingStore.class);
        ctor.setAccessible(true);
        return (Callback<ConsumerRecord<String, byte[]>>) ctor.newInstance(store);
    }

    static void set(Object target, String name, Object value) throws Exception {
        Field f = KafkaConfigBackingStore.class.getDeclaredField(name);
        f.setAccessible(true);
        f.set(target, value);
    }

    @SuppressWarnings("unchecked")
    static <T> T get(ClusterConfigState s, String name) throws Exception {
        Field f = ClusterConfigState.class.getDeclaredField(name);
        f.setAccessible(true);
        return (T) f.get(s);
    }

    static void dump(ClusterConfigState s, Listener listener, List<String> out) throws Exception {
        out.add("offset " + s.offset());
        if (s.sessionKey() == null) out.add("session none");
        else out.add("session " + s.sessionKey().key().getAlgorithm() + " " + s.sessionKey().creationTimestamp()
                + " " + Base64.getEncoder().encodeToString(s.sessionKey().key().getEncoded()));
        Map<String, Integer> counts = get(s, "connectorTaskCounts");
        Map<String, TargetState> targets = get(s, "connectorTargetStates");
        Map<String, Integer> records = get(s, "connectorTaskCountRecords");
        Map<String, Integer> generations = get(s, "connectorTaskConfigGenerations");
        Set<String> pending = get(s, "connectorsPendingFencing");
        Set<String> inconsistent = get(s, "inconsistentConnectors");
        TreeSet<String> names = new TreeSet<>(s.connectors());
        names.addAll(counts.keySet()); names.addAll(targets.keySet()); names.addAll(records.keySet());
        names.addAll(generations.keySet()); names.addAll(pending); names.addAll(inconsistent);
        for (String c : names) {
            out.add("connector " + c);
            out.add("  config " + props(s.rawConnectorConfig(c)));
            out.add("  applied " + props(s.appliedConnectorConfig(c)));
            out.add("  target " + (targets.get(c) == null ? "none" : targets.get(c).name()));
            out.add("  count " + (counts.get(c) == null ? "none" : counts.get(c)));
            for (ConnectorTaskId id : s.tasks(c)) out.add("  task " + id.task() + " " + props(s.rawTaskConfig(id)));
            out.add("  generation " + (generations.get(c) == null ? "none" : generations.get(c)));
            out.add("  taskCountRecord " + (records.get(c) == null ? "none" : records.get(c)));
            out.add("  pendingFencing " + pending.contains(c));
            out.add("  inconsistent " + inconsistent.contains(c));
        }
        for (RestartRequest r : listener.restarts.values())
            out.add("restart " + r.connectorName() + " onlyFailed=" + r.onlyFailed() + " includeTasks=" + r.includeTasks());
        for (Map.Entry<String, String> e : listener.loggers.entrySet()) out.add("logger " + e.getKey() + " " + e.getValue());
    }

    static String props(Map<String, ?> m) {
        if (m == null) return "none";
        StringBuilder sb = new StringBuilder("{");
        for (String k : new TreeSet<>(m.keySet())) {
            if (sb.length() > 1) sb.append(',');
            Object v = m.get(k);
            sb.append(k).append('=').append(v == null ? "<null>" : String.valueOf(v));
        }
        return sb.append('}').toString();
    }
}
