//! What the ecosystem's test files share: starting the ecosystem and reading the template
//! ESME's registers as a user.

use std::time::Duration;

use dcc_model::{CommandVariant, ResponseCode};
use ecosystem::config::TEMPLATE_ESME;
use ecosystem::user::{DuisUser, ResponseInbox};
use ecosystem::EcosystemConfig;

pub const WAIT: Duration = Duration::from_secs(60);

/// Starts `config` in this process and waits until the DSP is ready; the DUIS URL with it.
pub async fn start(config: EcosystemConfig) -> (ecosystem::Running, String) {
    let running = ecosystem::start_in_process(config)
        .await
        .expect("ecosystem starts");
    let duis_url = running.duis_url.clone().expect("DUIS front door");
    ecosystem::wait_until_ready(&duis_url, WAIT)
        .await
        .expect("ecosystem ready");
    (running, duis_url)
}

/// 4.1.1 for the template ESME as `user`: the synchronous code, and for an I99 the device's
/// response to that request, which must then arrive.
pub async fn read_registers(user: &DuisUser, inbox: &ResponseInbox, counter: u64) -> ResponseCode {
    let xml = user
        .signed_request(
            TEMPLATE_ESME,
            counter,
            CommandVariant::SendOverWan,
            "4.1.1",
            DuisUser::body("ReadInstantaneousImportRegisters", Vec::new()),
        )
        .expect("signed request");
    let answer = user.post("serviceS", xml).await.expect("DSP answers");
    let code = answer.response.response_code;
    if code == ResponseCode::Acknowledgement {
        let request_id = answer
            .response
            .request_id
            .expect("the I99 names its request");
        assert_eq!(request_id.counter, counter);
        let response = inbox
            .response_to(request_id, WAIT)
            .await
            .expect("device response");
        assert_eq!(response.response.response_code, ResponseCode::Success);
    }
    code
}
