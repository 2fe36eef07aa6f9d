package io.seqaudit.it;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test method's {@link KafkaClusterSupport} parameter one cluster for the whole run: the first test that
 * asks starts it (or reuses one already running), and JUnit closes it when the run ends, which stops it only if it
 * was started here. The failover ITs, which take turns on it (lock "kafka-cluster"), so pay its start (about 20 s)
 * and stop once between them. Each of them leaves all three brokers running ({@link KafkaClusterSupport#restoreAll()})
 * and works on topics of its own.
 */
final class SharedKafkaCluster implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(SharedKafkaCluster.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaClusterSupport.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // The root store closes what it holds (KafkaClusterSupport is AutoCloseable) once every test has run.
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent("cluster",
                key -> KafkaClusterSupport.startOrReuse(), KafkaClusterSupport.class);
    }
}
