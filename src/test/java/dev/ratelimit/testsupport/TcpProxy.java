package dev.ratelimit.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP proxy on 127.0.0.1 in front of a real Redis, which tests switch between forwarding, refusing
 * connections (as a stopped Redis does) and swallowing requests (as a hung or unreachable one does).
 * Every switch drops the connections open at that moment.
 */
public final class TcpProxy implements AutoCloseable {

    public enum Mode {
        FORWARD,
        REFUSE,
        HANG
    }

    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "tcp-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Mode mode = Mode.FORWARD;
    private volatile ServerSocket listener;

    private TcpProxy(InetSocketAddress target, int port) {
        this.target = target;
        this.port = port;
    }

    public static TcpProxy start(String targetHost, int targetPort) throws IOException {
        TcpProxy proxy = new TcpProxy(new InetSocketAddress(targetHost, targetPort), RedisServerProcess.freePort());
        proxy.listen();
        return proxy;
    }

    public int port() {
        return port;
    }

    public synchronized void mode(Mode next) throws IOException {
        Mode previous = mode;
        mode = next;
        dropConnections();
        if (next == Mode.REFUSE && previous != Mode.REFUSE) {
            listener.close();
        } else if (next != Mode.REFUSE && previous == Mode.REFUSE) {
            listen();
        }
    }

    private void listen() throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        listener = socket;
        threads.execute(() -> accept(socket));
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                if (!register(client)) {
                    continue;
                }
                Socket upstream = new Socket();
                if (!register(upstream)) {
                    client.close();
                    continue;
                }
                upstream.connect(target, 1000);
                threads.execute(() -> pump(client, upstream, true));
                threads.execute(() -> pump(upstream, client, false));
            } catch (IOException e) {
                // the listener was closed, or Redis did not answer: the client sees its connection fail
            }
        }
    }

    /**
     * Tracks a socket so that the next switch drops it; under the same lock as {@link #mode}, so that a
     * connection accepted while refusing is closed rather than missed.
     */
    private synchronized boolean register(Socket socket) throws IOException {
        if (mode == Mode.REFUSE) {
            socket.close();
            return false;
        }
        sockets.add(socket);
        return true;
    }

    private void pump(Socket from, Socket to, boolean towardsRedis) {
        byte[] buffer = new byte[8192];
        try (from;
                to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (towardsRedis && mode == Mode.HANG) {
                    continue;
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed: closing both ends the connection
        } finally {
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private void dropConnections() {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
        sockets.clear();
    }

    @Override
    public synchronized void close() throws IOException {
        dropConnections();
        if (listener != null) {
            listener.close();
        }
        threads.shutdownNow();
    }
}
