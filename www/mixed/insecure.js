// SPDX-License-Identifier: MIT
// Loaded over plain HTTP by www/mixed/index.html. If a browser ran it inside an HTTPS page, an
// attacker on the network could have replaced it: that is why browsers block it there.
document.addEventListener("DOMContentLoaded", function () {
	document.getElementById("status").textContent =
		"The insecure script ran: this page was loaded over plain HTTP.";
});
