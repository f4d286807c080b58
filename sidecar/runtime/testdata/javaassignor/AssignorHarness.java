// AssignorHarness runs Kafka's own consumer assignors (RangeAssignor,
// CooperativeStickyAssignor) on the group rebalances in assignor-scenarios.txt
// and prints what a Java leader would send each member, so the sink group's
// assignors can be compared with Java's. Formats: runtime/assignor_test.go.
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

public class AssignorHarness {
    public static void main(String[] args) throws Exception {
        Node node = new Node(0, "localhost", 9092);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[1])))) {
            String name = null, assignor = null;
            List<PartitionInfo> partitions = new ArrayList<>();
            // A HashMap, as ConsumerCoordinator.onLeaderElected builds it: the
            // sticky assignor walks members in its order.
            Map<String, Subscription> members = new HashMap<>();
            for (String line : Files.readAllLines(Path.of(args[0]))) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "scenario":
                        name = f[1];
                        assignor = f[2];
                        partitions.clear();
                        members = new HashMap<>();
                        break;
                    case "topic":
                        for (int p = 0; p < Integer.parseInt(f[2]); p++) {
                            partitions.add(new PartitionInfo(f[1], p, node, new Node[]{node}, new Node[]{node}));
                        }
                        break;
                    case "member": {
                        List<TopicPartition> owned = new ArrayList<>();
                        if (!f[3].equals("-")) {
                            for (String tp : f[3].split(",")) {
                                int dash = tp.lastIndexOf('-');
                                owned.add(new TopicPartition(tp.substring(0, dash), Integer.parseInt(tp.substring(dash + 1))));
                            }
                        }
                        List<String> topics = new ArrayList<>(new TreeSet<>(Arrays.asList(f[4].split(","))));
                        members.put(f[1], new Subscription(topics, null, owned, Integer.parseInt(f[2]), Optional.empty()));
                        break;
                    }
                    case "end": {
                        ConsumerPartitionAssignor a = assignor.equals("range") ? new RangeAssignor() : new CooperativeStickyAssignor();
                        Cluster cluster = new Cluster("c", List.of(node), partitions, Set.of(), Set.of());
                        Map<String, ConsumerPartitionAssignor.Assignment> got =
                            a.assign(cluster, new GroupSubscription(members)).groupAssignment();
                        out.println("scenario " + name);
                        for (String m : new TreeSet<>(members.keySet())) {
                            List<TopicPartition> tps = new ArrayList<>(got.get(m).partitions());
                            tps.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
                            StringJoiner j = new StringJoiner(",");
                            tps.forEach(tp -> j.add(tp.toString()));
                            out.println("member " + m + " " + (tps.isEmpty() ? "-" : j.toString()));
                        }
                        break;
                    }
                }
            }
        }
    }
}
