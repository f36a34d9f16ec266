package dev.ratelimit;

import jakarta.enterprise.util.Nonbinding;
import jakarta.interceptor.InterceptorBinding;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits calls to a JAX-RS resource method (or to every method of a resource class) with a token bucket
 * kept in Redis and shared by every instance of the application.
 *
 * <p>The annotation only names the policy; its limits come from MicroProfile Config (see the README for
 * the keys and their precedence). Inline values are defaults that any config key overrides. A method's
 * annotation wins over its class's.
 *
 * <p>Repeated, each naming its policy, it limits the method by every one of them: a call runs only if each admits
 * it, e.g. {@code @RateLimited("search-per-user") @RateLimited("search-overall")}.
 */
@Inherited
@Repeatable(RateLimited.List.class)
@InterceptorBinding
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RateLimited {

    /** Marks an inline numeric member as unset, so config or defaults decide. */
    long UNSET = -1;

    /**
     * The policy's name, configured under {@code ratelimit.policies.<name>.*}; methods naming the same
     * policy share one bucket per client. Empty: the method is its own policy, named
     * {@code <fully.qualified.Class>/<method>}.
     */
    @Nonbinding
    String value() default "";

    /** Inline default for {@code capacity}: the burst size, in tokens. */
    @Nonbinding
    long capacity() default UNSET;

    /** Inline default for {@code refill-tokens}: tokens added per refill period. */
    @Nonbinding
    long refillTokens() default UNSET;

    /** Inline default for {@code refill-period}, e.g. {@code "1s"}, {@code "1m"}, {@code "PT1H"}. */
    @Nonbinding
    String refillPeriod() default "";

    /** Inline default for {@code cost}: tokens one call takes. */
    @Nonbinding
    long cost() default UNSET;

    /** Several policies on one method or class, as the compiler writes a repeated {@code @RateLimited}. */
    @Inherited
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.METHOD, ElementType.TYPE})
    @interface List {
        RateLimited[] value();
    }
}
