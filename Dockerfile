# Build: docker build -t rapport .   (or use docker-compose.yml)
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin rapport

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 rapport
COPY --from=build /src/target/release/rapport /usr/local/bin/rapport
USER rapport
ENV RAPPORT_BIND=0.0.0.0:3000
EXPOSE 3000
ENTRYPOINT ["rapport"]
CMD ["serve"]
