// Starts GOV.UK Frontend's components (error summary focus, skip link, navigation toggle).
import { initAll } from '../assets/govuk-frontend.min.js'

initAll()
