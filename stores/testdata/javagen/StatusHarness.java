// StatusHarness feeds status-topic records to a real KafkaStatusBackingStore
// (its package-private read method, through reflection, no broker) and prints
// what it then serves, so statusstore's Snapshot.Apply can be compared with
// Java's. Formats: statusstore/apply_test.go.
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.AbstractStatus;
import org.apache.kafka.connect.runtime.TaskStatus;
import org.apache.kafka.connect.runtime.TopicStatus;
import org.apache.kafka.connect.storage.KafkaStatusBackingStore;
import org.apache.kafka.connect.util.ConnectorTaskId;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

public class StatusHarness {
    static final String[] CONNECTORS = {"a", "b-c"};

    public static void main(String[] args) throws Exception {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false"), false);
        Method read = KafkaStatusBackingStore.class.getDeclaredMethod("read", ConsumerRecord.class);
        read.setAccessible(true);
        List<String> out = new ArrayList<>();
        KafkaStatusBackingStore store = null;
        long offset = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "scenario":
                    store = new KafkaStatusBackingStore(Time.SYSTEM, converter, () -> null, "harness");
                    out.add(line);
                    break;
                case "rec":
                    String key = new String(HexFormat.of().parseHex(f[1]), "UTF-8");
                    byte[] value = f[2].equals("-") ? null : HexFormat.of().parseHex(f[2].substring(1));
                    read.invoke(store, new ConsumerRecord<>("connect-status", 0, offset++, key, value));
                    break;
                case "end":
                    dump(store, out);
                    out.add("end");
                    break;
                default:
                    throw new IllegalArgumentException(line);
            }
        }
        Files.write(Path.of(args[1]), out);
    }

    static void dump(KafkaStatusBackingStore store, List<String> out) {
        for (String c : CONNECTORS) {
            out.add("connector " + c + " " + status(store.get(c)));
            List<TaskStatus> tasks = new ArrayList<>(store.getAll(c));
            tasks.sort(Comparator.comparingInt(t -> t.id().task()));
            for (TaskStatus t : tasks) out.add("  task " + t.id().task() + " " + status(t));
            List<TopicStatus> topics = new ArrayList<>(store.getAllTopics(c));
            topics.sort(Comparator.comparing(TopicStatus::topic));
            for (TopicStatus t : topics)
                out.add("  topic " + t.topic() + " " + t.connector() + " " + t.task() + " " + t.discoverTimestamp());
        }
    }

    static String status(AbstractStatus<?> s) {
        if (s == null) return "none";
        return s.state() + " trace=" + s.trace() + " worker=" + s.workerId() + " gen=" + s.generation() + " version=" + s.version();
    }
}
