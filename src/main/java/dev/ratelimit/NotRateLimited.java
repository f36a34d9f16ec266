package dev.ratelimit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keeps a JAX-RS resource method, or every method of a resource class, out of the policy that
 * {@code ratelimit.default-policy} applies to every resource method without a {@link RateLimited} of its own: a
 * health check, a login callback, an endpoint limited elsewhere. A method or class may not carry both.
 */
@Inherited
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface NotRateLimited {}
