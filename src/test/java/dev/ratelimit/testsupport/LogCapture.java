package dev.ratelimit.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What one logger logs during each test, register it as a field with {@code @RegisterExtension}: the records, in
 * order, from every thread. The logger's level is set to the one given for the test and put back after it. The
 * logger is held, so that the one the handler is added to is the one the code under test logs to, not one collected
 * before it.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private final Logger logger;
    private final Level level;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private Level levelBefore;

    private LogCapture(Logger logger, Level level) {
        this.logger = logger;
        this.level = level;
    }

    /** The records of the logger named after the class, at its configured level. */
    public static LogCapture of(Class<?> loggingClass) {
        return new LogCapture(Logger.getLogger(loggingClass.getName()), null);
    }

    /** A logger of the test's own, kept to itself, at every level. */
    public static LogCapture ofAnonymousLogger() {
        Logger logger = Logger.getAnonymousLogger();
        logger.setUseParentHandlers(false);
        return new LogCapture(logger, Level.ALL);
    }

    public Logger logger() {
        return logger;
    }

    /** What was logged so far in this test. */
    public List<LogRecord> records() {
        return records;
    }

    /** Lets FINE records through for the rest of the test. */
    public void atFine() {
        logger.setLevel(Level.FINE);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        records.clear();
        levelBefore = logger.getLevel();
        if (level != null) {
            logger.setLevel(level);
        }
        logger.addHandler(handler);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        logger.removeHandler(handler);
        logger.setLevel(levelBefore);
    }
}
