# Sagaflow service image: build with Maven, run on a JRE. Used by docker-compose.yml.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q -ntp dependency:go-offline
COPY src src
COPY processes processes
RUN mvn -B -q -ntp package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 sagaflow
USER sagaflow
WORKDIR /app
COPY --from=build /src/target/sagaflow-*.jar /app/sagaflow.jar
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/sagaflow.jar"]
