//! The mounted gRPC routes served over TCP on an ephemeral port, reached through the network
//! transport, as `dccsim serve` runs the TSP in its own process.

mod support;

use smki::KeyUsage;
use support::*;
use tokio_stream::wrappers::TcpListenerStream;
use tsp::{TspClient, TspError};

#[tokio::test]
async fn mounted_routes_serve_over_tcp() {
    let tsp = tsp(None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let routes = tsp.grpc.routes;
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming(TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    // The listener is bound, so connecting succeeds at once.
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let client = TspClient::new(dcc_proto::transport::remote(channel));
    let credentials = client.device_certificates(&[NEW_DEVICE]).await.unwrap();
    let found = client
        .find(NEW_DEVICE, KeyUsage::DigitalSignature)
        .await
        .unwrap();
    assert_eq!(found, vec![credentials[0].ds.certificate.clone()]);
    assert_eq!(client.trust_anchors().await.unwrap().len(), 3);
    assert!(matches!(
        client.retrieve("1").await,
        Err(TspError::NotFound(_))
    ));
}
