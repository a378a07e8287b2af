# portcullis in a container: `docker build -t portcullis .`, then
# `docker run --rm -v "$PWD:/work" portcullis scan /work`.
#
# Not built in this project's CI (the CI machine has no container runtime):
# the build stage runs the README's install line, which .ci/run tests on a
# source archive of each commit.

# Build: the same `cargo install --locked` line as the README.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo install --locked --path crates/cli --root /out

# Run: a slim image, the binary alone, as an unprivileged user.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin portcullis
COPY --from=build /out/bin/portcullis /usr/local/bin/portcullis
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["portcullis"]
CMD ["--help"]
