# livekit-analytics: a static-ish release build on Debian, every sink compiled in.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p analytics-bin

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data
COPY --from=build /src/target/release/livekit-analytics /usr/local/bin/livekit-analytics
VOLUME /data
EXPOSE 7890
ENTRYPOINT ["livekit-analytics"]
CMD ["--config", "/etc/livekit-analytics/config.yaml"]
