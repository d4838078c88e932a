// Every response field the pages read, checked against the types generated from the OpenAPI document
// (types/api.d.ts). `npm run check:types` (run in the tests) fails when the API drops or renames one.
import type { paths } from './api';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Answer<P extends keyof paths, M extends keyof paths[P], C extends number> =
  paths[P][M] extends { responses: infer Rs } ? (C extends keyof Rs ? Json<Rs[C]> : never) : never;
type Item<A> = A extends readonly (infer T)[] ? T : never;
// A response the document does not have (wrong path, method or status) must fail too, not pass as `never`.
type Real<T> = [T] extends [never] ? { not_in_the_document: true } : T;
type Has<T, K extends keyof Real<T>> = K;

export type Uses = [
  Has<Answer<'/auth/login', 'post', 200>, 'token' | 'expires_in' | 'user'>,
  Has<Answer<'/auth/login', 'post', 200>['user'], 'id' | 'has_phone' | 'phone_masked'>,
  Has<Answer<'/auth/phone', 'post', 200>, 'user'>,
  Has<Answer<'/ask', 'post', 200>, 'answer' | 'sources' | 'confident' | 'answer_id'>,
  Has<Answer<'/ask/{answer_id}/feedback', 'post', 200>, 'answer_id' | 'helpful'>,
  Has<Item<Answer<'/ask', 'post', 200>['sources']>, 'id' | 'title' | 'source'>,
  Has<Item<Answer<'/windows', 'get', 200>['windows']>, 'id' | 'name' | 'county' | 'address' | 'phone' | 'hours' | 'hours_text' | 'distance_km'>,
  Has<Item<Answer<'/windows/{id}/slots', 'get', 200>['slots']>, 'start' | 'remaining'>,
  Has<Answer<'/appointments', 'post', 201>['appointment'], 'id' | 'window_id' | 'start' | 'status' | 'code'>,
  Has<Item<Answer<'/appointments/mine', 'get', 200>['appointments']>, 'id' | 'window_name' | 'start' | 'purpose' | 'status' | 'status_text' | 'code'>,
  Has<Answer<'/loan-applications', 'post', 201>['application'], 'id' | 'status_text' | 'eligibility'>,
  Has<Answer<'/loan-applications', 'post', 201>['application']['eligibility'], 'label' | 'reasons' | 'notice'>,
  Has<Item<Answer<'/loan-applications/mine', 'get', 200>['applications']>, 'id' | 'product' | 'amount' | 'status' | 'status_text' | 'eligibility' | 'decision_note' | 'created_at'>,
  Has<Item<Answer<'/training/courses', 'get', 200>['courses']>, 'id' | 'title' | 'kind' | 'description' | 'sessions'>,
  Has<Item<Item<Answer<'/training/courses', 'get', 200>['courses']>['sessions']>, 'id' | 'start' | 'county' | 'location' | 'remaining'>,
  Has<Answer<'/training-applications', 'post', 201>['application'], 'id' | 'session_id' | 'course_title' | 'status' | 'status_text'>,
  Has<Item<Answer<'/training-applications/mine', 'get', 200>['applications']>, 'id' | 'course_title' | 'session_start' | 'status' | 'status_text'>,
  Has<Item<Answer<'/mentors', 'get', 200>['mentors']>, 'id' | 'name' | 'title'>,
  Has<Answer<'/mentor-requests', 'post', 201>['request'], 'id' | 'status'>,
  Has<Item<Answer<'/mentor-requests/mine', 'get', 200>['requests']>, 'id' | 'status' | 'status_text' | 'county' | 'industry' | 'need' | 'phone' | 'mentor' | 'follow_ups' | 'rating' | 'rating_comment' | 'created_at'>,
  Has<NonNullable<Item<Answer<'/mentor-requests/mine', 'get', 200>['requests']>['mentor']>, 'name' | 'title' | 'organisation'>,
  Has<Item<Item<Answer<'/mentor-requests/mine', 'get', 200>['requests']>['follow_ups']>, 'id' | 'date' | 'kind' | 'note' | 'author_name' | 'author_role'>,
  Has<Answer<'/mentor-requests/{id}/rating', 'post', 200>, 'request'>,
  Has<Item<Answer<'/carriers', 'get', 200>['carriers']>, 'id' | 'kind' | 'kind_label' | 'name' | 'county' | 'address' | 'offers' | 'contact' | 'demo' | 'distance_km'>,
  Has<Item<Answer<'/carriers', 'get', 200>['carriers']>['offers'], 'space' | 'desks' | 'free_period' | 'services'>,
  Has<Answer<'/carrier-applications', 'post', 201>['application'], 'id' | 'carrier' | 'status' | 'status_text'>,
  Has<Item<Answer<'/carrier-applications/mine', 'get', 200>['applications']>, 'id' | 'carrier' | 'project' | 'status' | 'status_text' | 'decision_note' | 'created_at'>,
  Has<Answer<'/carrier-applications/{id}/withdraw', 'post', 200>, 'application'>,
  Has<Item<Answer<'/events', 'get', 200>['events']>, 'id' | 'title' | 'kind' | 'description' | 'start' | 'end' | 'county' | 'place' | 'online_url' | 'remaining' | 'signup_deadline' | 'demo'>,
  Has<Answer<'/event-registrations', 'post', 201>['registration'], 'id' | 'event_title' | 'event_start' | 'place' | 'code'>,
  Has<Item<Answer<'/event-registrations/mine', 'get', 200>['registrations']>, 'id' | 'event_title' | 'event_start' | 'place' | 'status' | 'status_text' | 'code'>,
  Has<Answer<'/event-registrations/{id}/cancel', 'post', 200>, 'registration'>,
];
