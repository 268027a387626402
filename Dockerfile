# A small image with a static emu binary, for running sweeps as batch jobs
# (see docs/cluster.md). Build: docker build -t emu .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /emu ./cmd/emu

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /emu /usr/local/bin/emu
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/emu"]
CMD ["help"]
