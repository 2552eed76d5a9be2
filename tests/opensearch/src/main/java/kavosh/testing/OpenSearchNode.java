package kavosh.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one real OpenSearch node inside this JVM, for Kavosh's tests and benchmarks only.
 *
 * <p>Usage: {@code java -cp CLASSPATH kavosh.testing.OpenSearchNode key=value ...}; every argument is a node
 * setting (path.home, path.data, http.port, ...). The node stops when this process gets SIGTERM, and also
 * when its standard input closes: the Python side holds a pipe to it, so a test run that dies leaves no
 * orphan JVM behind.
 */
public final class OpenSearchNode extends Node {
    private static final Collection<Class<? extends Plugin>> PLUGINS =
        List.of(Netty4Plugin.class, CommonAnalysisPlugin.class);

    private OpenSearchNode(Environment environment) {
        super(environment, PLUGINS, true);
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                System.err.println("setting without '=': " + arg);
                System.exit(2);
            }
            builder.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Settings settings = builder.build();
        Path config = Path.of(settings.get("path.home")).resolve("config");
        Environment environment =
            InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> settings.get("node.name"));
        Node node = new OpenSearchNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (IOException e) {
                e.printStackTrace();
            }
            stopped.countDown();
        }, "kavosh-node-shutdown"));
        node.start();
        System.out.println("KAVOSH-NODE-STARTED " + settings.get("node.name"));
        System.out.flush();
        Thread watcher = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() != -1) {
                    // the parent never writes; EOF means it is gone
                }
            } catch (IOException e) {
                // treat a broken pipe like EOF
            }
            System.exit(0);
        }, "kavosh-parent-watcher");
        watcher.setDaemon(true);
        watcher.start();
        stopped.await();
    }
}
