package dev.ratelimit.integration.config;

/** Endpoints of the test resources, by method name. */
final class Endpoints {

    private Endpoints() {}

    static Endpoint of(Class<?> beanClass, String methodName) {
        try {
            return new Endpoint(beanClass, beanClass.getMethod(methodName));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }
}
