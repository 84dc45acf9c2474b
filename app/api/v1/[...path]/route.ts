import { jsonError } from "@/lib/api/handler";

// Unknown API paths answer in the API's JSON error shape, not with an HTML page.
const notFound = async () => jsonError(404, "not_found", "No such API endpoint");
export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
