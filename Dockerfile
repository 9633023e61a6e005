# Sagaflow service image: build with Maven, run on a JRE. Used by docker-compose.yml.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY src src
COPY processes processes
COPY docs/asyncapi.yaml docs/asyncapi.yaml
# The executable (src/app) and the modules it needs; no tests, no test jar.
RUN mvn -B -q -ntp package -Dmaven.test.skip=true -pl src/app -am

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 sagaflow
USER sagaflow
WORKDIR /app
COPY --from=build /src/src/app/target/sagaflow-*.jar /app/sagaflow.jar
EXPOSE 8080
# Memory sized for a small (2-core) container: the benchmark measures the service with exactly these
# options (docs/performance.md, 400-470 MB resident at 50 sagas/s). Fewer malloc arenas and a
# serial collector keep the resident size close to the heap. On a bigger host raise -Xmx and drop
# -XX:+UseSerialGC; override with `-e JAVA_TOOL_OPTIONS=...`.
ENV MALLOC_ARENA_MAX=2 \
    JAVA_TOOL_OPTIONS="-Xms128m -Xmx256m -XX:+UseSerialGC -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=200m -Xss512k"
ENTRYPOINT ["java", "-jar", "/app/sagaflow.jar"]
